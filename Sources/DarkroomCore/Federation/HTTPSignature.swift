import Crypto
import Foundation
import _CryptoExtras

/// HTTP Signatures as the fediverse signs server-to-server requests (draft-cavage-http-signatures-12, the form
/// Mastodon, Pixelfed and bovine send and check): an RSA-SHA256 signature over named headers, with the body bound by
/// a `Digest: SHA-256=…` header. Hand-written because the protocol demands exactly this older draft, which no
/// package on the machine's list implements.
public enum HTTPSignature {
    /// The headers Darkroom signs: a POST binds its body through the digest, a GET has none.
    public static func signedHeaders(hasBody: Bool) -> [String] {
        hasBody ? ["(request-target)", "host", "date", "digest"] : ["(request-target)", "host", "date"]
    }

    /// `SHA-256=` and the body's base64 SHA-256, the `Digest` header's value.
    public static func digest<Bytes: DataProtocol>(_ body: Bytes) -> String {
        "SHA-256=" + Data(SHA256.hash(data: body)).base64EncodedString()
    }

    /// The HTTP date format every signed request carries (`Date: Sun, 06 Dec 2026 10:00:00 GMT`).
    public static func httpDate(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    public static func parseHTTPDate(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    /// The text that is signed: one `name: value` line per signed header, `(request-target)` as `post /path?query`.
    public static func signingString(method: String, target: String, names: [String], header: (String) -> String?) -> String? {
        var lines: [String] = []
        for name in names {
            if name == "(request-target)" {
                lines.append("(request-target): \(method.lowercased()) \(target)")
            } else {
                guard let value = header(name) else { return nil }
                lines.append("\(name): \(value)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The `Signature` header's value for a request whose signed headers `header` answers.
    public static func sign(
        method: String,
        target: String,
        names: [String],
        header: (String) -> String?,
        keyID: String,
        key: _RSA.Signing.PrivateKey
    ) throws -> String {
        guard let text = signingString(method: method, target: target, names: names, header: header) else {
            throw Failure("a signed header is missing")
        }
        let signature = try key.signature(for: SHA256.hash(data: Data(text.utf8)), padding: .insecurePKCS1v1_5)
        return "keyId=\"\(keyID)\",algorithm=\"rsa-sha256\",headers=\"\(names.joined(separator: " "))\","
            + "signature=\"\(signature.rawRepresentation.base64EncodedString())\""
    }

    /// A received `Signature` header, its parameters read.
    public struct Received: Sendable, Equatable {
        public var keyID: String
        public var algorithm: String?
        public var headers: [String]
        public var signature: Data
    }

    /// Reads `keyId="…",algorithm="…",headers="…",signature="…"`; nil when it is not that shape.
    public static func parse(_ value: String) -> Received? {
        var fields: [String: String] = [:]
        var rest = Substring(value)
        while !rest.isEmpty {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            fields[name] = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
        }
        guard let keyID = fields["keyid"], let encoded = fields["signature"], let signature = Data(base64Encoded: encoded) else { return nil }
        // Without a `headers` parameter only `Date` is signed (draft-cavage §2.1.6).
        let headers = (fields["headers"] ?? "date").lowercased().split(separator: " ").map(String.init)
        return Received(keyID: keyID, algorithm: fields["algorithm"], headers: headers, signature: signature)
    }

    /// Whether `received` is a valid signature by `key` over this request. The caller checks which headers had to be
    /// signed (`requiredHeaders`) and that the date and digest are fresh and true.
    public static func isValid(
        _ received: Received,
        method: String,
        target: String,
        header: (String) -> String?,
        key: _RSA.Signing.PublicKey
    ) -> Bool {
        if let algorithm = received.algorithm?.lowercased(), algorithm != "rsa-sha256", algorithm != "hs2019" { return false }
        guard let text = signingString(method: method, target: target, names: received.headers, header: header) else { return false }
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: received.signature),
            for: SHA256.hash(data: Data(text.utf8)),
            padding: .insecurePKCS1v1_5
        )
    }

    /// The same check against a key given as PEM (a remote actor's `publicKeyPem`); false for a key that does not read.
    public static func isValid(_ received: Received, method: String, target: String, header: (String) -> String?, publicKeyPEM: String) -> Bool {
        guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: publicKeyPEM) else { return false }
        return isValid(received, method: method, target: target, header: header, key: key)
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

/// A server's RSA-2048 key pair for signing as one actor, kept as PEM text (SubjectPublicKeyInfo for the public half,
/// which is what actor documents publish).
public struct ActorKeyPair: Sendable {
    public let privateKeyPEM: String
    public let publicKeyPEM: String

    public init(privateKeyPEM: String, publicKeyPEM: String) {
        self.privateKeyPEM = privateKeyPEM
        self.publicKeyPEM = publicKeyPEM
    }

    /// A new pair, from the system's secure random source (RSA key generation takes no injected randomness).
    public static func generate() throws -> ActorKeyPair {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return ActorKeyPair(privateKeyPEM: key.pemRepresentation, publicKeyPEM: key.publicKey.pemRepresentation)
    }

    public func signingKey() throws -> _RSA.Signing.PrivateKey { try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM) }

    /// The `Signature` header's value for a request, signed with this pair's private key.
    public func signature(method: String, target: String, names: [String], keyID: String, header: (String) -> String?) throws -> String {
        try HTTPSignature.sign(method: method, target: target, names: names, header: header, keyID: keyID, key: signingKey())
    }
}
