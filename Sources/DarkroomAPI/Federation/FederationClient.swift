import DarkroomCore
import DarkroomStorage
import Foundation
import NIOCore
import NIOHTTP1

/// Requests to other servers: deliveries (a signed POST of an activity to an inbox) and fetches (a signed GET of an
/// actor or object, as servers that require signed fetches want). Both go through `CallbackClient`, so the address
/// rule, pinning, redirects, deadline and body limit of callbacks hold here too.
struct FederationClient: Sendable {
    let http: CallbackClient
    let storage: Storage
    let ap: FederationLinks

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    /// Posts `activity` to `inbox`, signed with `signer`'s key; answers the status.
    func deliver(_ activity: String, to inbox: String, signer: UserID, keyID: String) async throws -> Int {
        let body = Array(activity.utf8)
        var headers: HTTPHeaders = [
            "Content-Type": "application/activity+json",
            "Accept": ActivityPubDocuments.contentType,
            "Digest": HTTPSignature.digest(body),
        ]
        try await sign(&headers, method: "POST", url: inbox, signer: signer, keyID: keyID)
        return try await http.post(inbox, headers: headers, body: ByteBuffer(bytes: body)).status
    }

    /// Fetches an ActivityPub document, signed as the server's own actor; refuses anything but a 2xx JSON object.
    func fetch(_ url: String) async throws -> JSONObject {
        var headers: HTTPHeaders = ["Accept": "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""]
        try await sign(&headers, method: "GET", url: url, signer: FederationStore.instanceActor, keyID: ap.instanceKey)
        let answer = try await http.get(url, headers: headers)
        guard (200..<300).contains(answer.status) else { throw Refused(description: "\(url) answered \(answer.status)") }
        guard let object = JSONObject(bytes: answer.body) else { throw Refused(description: "\(url) did not answer a JSON object") }
        return object
    }

    /// A WebFinger or other plain JSON document, unsigned.
    func fetchJSON(_ url: String) async throws -> JSONObject {
        let answer = try await http.get(url, headers: ["Accept": "application/jrd+json, application/json"])
        guard (200..<300).contains(answer.status), let object = JSONObject(bytes: answer.body) else {
            throw Refused(description: "\(url) answered \(answer.status)")
        }
        return object
    }

    /// Adds `Date`, `Host` and `Signature` (over the request target, host, date and, with a body, its digest).
    private func sign(_ headers: inout HTTPHeaders, method: String, url: String, signer: UserID, keyID: String) async throws {
        guard let components = URLComponents(string: url), let host = components.host else { throw Refused(description: "\(url) is not a URL") }
        let key = try await storage.federation.keyPair(of: signer).signingKey()
        let defaultPort = components.scheme == "https" ? 443 : 80
        let authority = components.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let target = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
        headers.replaceOrAdd(name: "Host", value: authority)
        headers.replaceOrAdd(name: "Date", value: HTTPSignature.httpDate(storage.environment.nowSeconds))
        let names = HTTPSignature.signedHeaders(hasBody: headers["Digest"].first != nil)
        let signature = try HTTPSignature.sign(
            method: method,
            target: target,
            names: names,
            header: { headers[$0].first },
            keyID: keyID,
            key: key
        )
        headers.replaceOrAdd(name: "Signature", value: signature)
    }
}
