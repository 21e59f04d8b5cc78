#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FileSystem {
    /// Creates a directory and its parents, like `mkdir -p`.
    static func makeDirectory(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            partial += component + "/"
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw DatabaseError.sqlite(code: errno, message: "cannot create directory \(partial)", sql: "")
            }
        }
    }
}
