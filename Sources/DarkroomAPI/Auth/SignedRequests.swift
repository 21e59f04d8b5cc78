import Crypto
import DarkroomCore
import HTTPTypes

/// Signed calls (reference §2.7): the `sig` parameter, required when the caller's client enforces signed requests, and
/// the `X-Insta-Forwarded-For` header, checked whenever it is sent and required on writes when the client enforces it.
enum SignedRequests {
    /// Answers whether the call carried a valid `X-Insta-Forwarded-For` (a signed call, for the write limits).
    /// - Parameters:
    ///   - endpoint: the path after `/v1`, without `.json`.
    ///   - queryCount: how many of `parameters` came from the query string (the rest came from a form body).
    @discardableResult
    static func verify(
        _ caller: Caller,
        parameters: Parameters,
        queryCount: Int,
        endpoint: String,
        headers: HTTPFields,
        isWrite: Bool = false
    ) throws(APIError) -> Bool {
        let (secret, enforced, headerEnforced) =
            switch caller {
            case .user(let grant): (grant.clientSecret, grant.enforceSigned, grant.enforceSignedHeader)
            case .app(let client): (client.clientSecret, client.enforceSigned, client.enforceSignedHeader)
            }
        var signedHeader = false
        if let forwarded = headers[.instaForwardedFor] {
            let parts = forwarded.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, ConstantTime.equal(parts[1].lowercased(), hmacHex(secret, String(parts[0]))) else { throw .forwardedForMismatch }
            signedHeader = true
        }
        if isWrite, headerEnforced, !signedHeader { throw .signedHeaderMissing }
        guard enforced else { return signedHeader }
        let signatures = parameters.pairs.filter { $0.name == "sig" }.map(\.value)
        guard !signatures.isEmpty else { throw .signatureMissing }
        // Clients differ: some sign the path with the `.json` they add, python-instagram signs POSTs over the query
        // alone, and it may send two `sig`s. Any one match passes.
        let everything = parameters.pairs.filter { $0.name != "sig" }
        let queryOnly = Array(parameters.pairs.prefix(queryCount)).filter { $0.name != "sig" }
        for path in [endpoint, endpoint + ".json"] {
            for set in [everything, queryOnly] {
                let expected = hmacHex(secret, message(path, set))
                if signatures.contains(where: { ConstantTime.equal($0.lowercased(), expected) }) { return signedHeader }
            }
        }
        throw .signatureMismatch
    }

    /// `ENDPOINT|key=value|key=value…` with the parameters in ascending key order, values raw.
    static func message(_ endpoint: String, _ parameters: [(name: String, value: String)]) -> String {
        parameters.sorted { ($0.name, $0.value) < ($1.name, $1.value) }.reduce(endpoint) { $0 + "|" + $1.name + "=" + $1.value }
    }

    static func hmacHex(_ secret: String, _ message: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(secret.utf8))))
    }
}

extension HTTPField.Name {
    static let instaForwardedFor = Self("X-Insta-Forwarded-For")!
    static let rateLimitLimit = Self("X-Ratelimit-Limit")!
    static let rateLimitRemaining = Self("X-Ratelimit-Remaining")!
}
