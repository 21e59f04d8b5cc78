/// A person on another server as people write them: `@name@host`, `name@host` or `acct:name@host`. The local
/// username of a remote account is `name@host` (lowercased host), which no local name can be: `@` is not allowed in
/// one, so the two never collide.
public struct FediverseHandle: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let host: String

    public init(name: String, host: String) {
        self.name = name
        self.host = host.lowercased()
    }

    public init?(_ text: String) {
        var rest = Substring(text.trimmingSpaces())
        if rest.lowercased().hasPrefix("acct:") { rest = rest.dropFirst(5) }
        if rest.hasPrefix("@") { rest = rest.dropFirst() }
        let parts = rest.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].count <= 64, parts[1].count <= 253 else { return nil }
        let allowedName = parts[0].unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
        let allowedHost = parts[1].unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-:[]".unicodeScalars.contains($0)
        }
        guard allowedName, allowedHost else { return nil }
        self.init(name: String(parts[0]), host: String(parts[1]))
    }

    /// The username a remote account has here.
    public var username: String { "\(name)@\(host)" }
    public var description: String { "@\(name)@\(host)" }
}
