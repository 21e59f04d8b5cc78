#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations storage needs, with errors that name the path.
///
/// Everything Darkroom writes is its own alone, whatever the umask: folders 0700, files 0600. The database holds
/// password hashes, client secrets and the key that signs private photo links, and an export or backup holds a
/// person's whole account.
public enum FileSystem {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var code: Int32
        var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    }

    static let privateDirectory: mode_t = 0o700
    static let privateFile: mode_t = 0o600

    /// Creates a directory and its parents, like `mkdir -p`; those it creates are the owner's alone.
    static func makeDirectory(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            partial += component + "/"
            if mkdir(partial, privateDirectory) != 0 && errno != EEXIST {
                throw Failure(operation: "create directory", path: partial, code: errno)
            }
        }
    }

    /// Creates `path` as an empty file of the owner's alone, unless it exists. SQLite then gives its journal and
    /// shared-memory files the same mode as the database file.
    static func createPrivateFile(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, privateFile)
        guard descriptor >= 0 else { throw Failure(operation: "create", path: path, code: errno) }
        close(descriptor)
    }

    /// Makes a file written by someone else's code (a copy, a tool's output) the owner's alone.
    static func makePrivate(_ path: String) throws {
        guard chmod(path, privateFile) == 0 else { throw Failure(operation: "restrict", path: path, code: errno) }
    }

    /// Makes a file another program wrote (FFmpeg's output) the owner's alone and flushes it to disk.
    static func flush(_ path: String) throws {
        try makePrivate(path)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(operation: "open", path: path, code: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(operation: "flush", path: path, code: errno) }
    }

    /// Whether anyone but the owner may read, write or enter `path` (false when it does not exist).
    public static func isWiderThanOwner(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return info.st_mode & 0o077 != 0
    }

    /// Writes a new file and flushes it to disk before returning.
    static func writeDurably(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, privateFile)
        guard descriptor >= 0 else { throw Failure(operation: "create", path: path, code: errno) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", path: path, code: errno)
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw Failure(operation: "flush", path: path, code: errno) }
    }

    /// Whether a file can be created in `directory`: creates `name` there, and removes it again.
    static func canCreate(_ name: String, in directory: String) -> Bool {
        let path = directory + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, privateFile)
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return unlink(path) == 0
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw Failure(operation: "move", path: from, code: errno) }
    }

    /// Makes a rename in `path` durable.
    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func modifiedSeconds(_ path: String) -> Int64? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec)
    }

    /// Sets a file's modification time to now.
    static func touch(_ path: String) {
        _ = utimensat(AT_FDCWD, path, nil, 0)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a file, or a directory and everything in it (never following links).
    static func removeTree(_ path: String) {
        if isDirectory(path) {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
