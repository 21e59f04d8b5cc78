import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

extension Web {
    /// Where to go after logging in: only a path on this site, never another site. `next` is read as a browser would
    /// read it as a `Location` (WHATWG URL rules): tabs and newlines anywhere are dropped, control characters and spaces
    /// at either end trimmed, backslashes taken as slashes. So `/\t/evil.example/` is `//evil.example/` — another host —
    /// and refused. What remains must be one path on this origin (one leading slash, no control character); it is
    /// answered in that normalized form.
    static func localPath(_ next: String?) -> String? {
        guard let next, next.utf8.count < 2000 else { return nil }
        var scalars = Array(next.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" })
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
        let path = String(String.UnicodeScalarView(scalars)).replacingOccurrences(of: "\\", with: "/")
        guard path.hasPrefix("/"), !path.hasPrefix("//"),
            !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return path
    }
}
