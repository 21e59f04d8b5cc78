import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes

/// Checks that a request to an inbox comes from whom it says: a draft-cavage signature over the request target, the
/// host, a date within `allowedSkew` of now and the body's digest, by the key of an actor fetched from its own server
/// (kept, and fetched again once when a signature does not match it: keys are rotated).
struct InboxSignature: Sendable {
    let actors: RemoteActors
    let now: @Sendable () -> Int64
    static let allowedSkew: Int64 = 3600

    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The signer, once the signature holds.
    func verify(method: String, target: String, authority: String?, headers: HTTPFields, body: [UInt8]) async throws -> KnownRemoteActor {
        let value =
            headers[HTTPField.Name("Signature")!] ?? headers[.authorization].flatMap { $0.hasPrefix("Signature ") ? String($0.dropFirst(10)) : nil }
        guard let value, let received = HTTPSignature.parse(value) else { throw Refusal(description: "the request is not signed") }
        let required = HTTPSignature.signedHeaders(hasBody: method == "POST")
        guard required.allSatisfy(received.headers.contains) else {
            throw Refusal(description: "the signature must cover \(required.joined(separator: " "))")
        }
        guard let date = headers[HTTPField.Name("Date")!].flatMap(HTTPSignature.parseHTTPDate), abs(date - now()) <= Self.allowedSkew else {
            throw Refusal(description: "the Date header is missing or more than an hour from now")
        }
        if method == "POST" {
            let digests = (headers[HTTPField.Name("Digest")!] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let expected = HTTPSignature.digest(body)
            guard digests.contains(where: { $0.lowercased().hasPrefix("sha-256=") && $0.dropFirst(8) == expected.dropFirst(8) }) else {
                throw Refusal(description: "the Digest header does not match the body")
            }
        }
        let lookup: (String) -> String? = { name in
            // HTTP/1.1's Host arrives as the request's authority (NIO's codec moves it there).
            if name == "host" { return headers[HTTPField.Name("Host")!] ?? authority }
            return HTTPField.Name(name).flatMap { headers[values: $0].isEmpty ? nil : headers[values: $0].joined(separator: ", ") }
        }
        var signer = try await actors.resolve(keyID: received.keyID)
        if !isValid(received, signer, method: method, target: target, header: lookup) {
            signer = try await actors.resolve(keyID: received.keyID, refresh: true)
            guard isValid(received, signer, method: method, target: target, header: lookup) else {
                throw Refusal(description: "the signature does not match \(received.keyID)")
            }
        }
        return signer
    }

    private func isValid(
        _ received: HTTPSignature.Received,
        _ signer: KnownRemoteActor,
        method: String,
        target: String,
        header: (String) -> String?
    ) -> Bool {
        HTTPSignature.isValid(received, method: method, target: target, header: header, publicKeyPEM: signer.actor.publicKeyPEM)
    }
}
