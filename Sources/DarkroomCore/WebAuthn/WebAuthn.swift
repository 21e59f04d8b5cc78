import Crypto
import Foundation
import _CryptoExtras

/// Passkeys (WebAuthn Level 2, §7): checking what a browser's authenticator answered when a passkey was made
/// (registration) and when it was used (assertion). Attestation is not asked for ("none"), so the statement is not
/// checked; everything else is: the client data's type, challenge and origin, the relying party's id hash, the user's
/// presence (and verification when asked), the signature (ES256 or RS256) and the signature counter.
public enum WebAuthn {
    /// This server as a relying party: its id (the public URL's host) and its one origin.
    public struct RelyingParty: Sendable, Equatable {
        public var id: String
        public var origin: String
        public var name: String

        /// From the public URL: `https://photos.example:8443` is the id `photos.example` and that origin.
        public init?(publicURL: String, name: String = "Darkroom") {
            guard let url = URLComponents(string: publicURL), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty
            else { return nil }
            id = host
            origin = scheme + "://" + host + (url.port.map { ":\($0)" } ?? "")
            self.name = name
        }
    }

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
        init(_ reason: String) { self.reason = reason }
    }

    /// The algorithms Darkroom takes, as COSE numbers, in the order it prefers them.
    public static let algorithms: [Int64] = [-7, -257]

    /// What `clientDataJSON` says (WebAuthn §5.8.1).
    public struct ClientData: Sendable {
        public var type: String
        /// As the browser sent it: base64url, no padding.
        public var challenge: String
        public var origin: String
        public var crossOrigin: Bool
    }

    public static func clientData(_ json: [UInt8]) throws(Failure) -> ClientData {
        guard json.count <= 4096, let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let type = object["type"] as? String, let challenge = object["challenge"] as? String, let origin = object["origin"] as? String
        else { throw Failure("the client data is not WebAuthn's") }
        return ClientData(type: type, challenge: challenge, origin: origin, crossOrigin: object["crossOrigin"] as? Bool ?? false)
    }

    /// A passkey as registered: what is kept to check its later signatures.
    public struct Credential: Sendable, Equatable {
        public var id: [UInt8]
        /// The COSE key, as the authenticator gave it.
        public var publicKey: [UInt8]
        public var algorithm: Int64
        public var signCount: UInt32

        public init(id: [UInt8], publicKey: [UInt8], algorithm: Int64, signCount: UInt32) {
            self.id = id
            self.publicKey = publicKey
            self.algorithm = algorithm
            self.signCount = signCount
        }
    }

    /// Checks a registration's client data and attestation object (§7.1, steps 5–26 without attestation).
    public static func verifyRegistration(
        attestationObject: [UInt8],
        clientDataJSON: [UInt8],
        challenge: String,
        relyingParty: RelyingParty
    ) throws(Failure) -> Credential {
        try check(clientDataJSON, type: "webauthn.create", challenge: challenge, relyingParty: relyingParty)
        guard let (object, _) = try? CBOR.decode(attestationObject), let authData = object[text: "authData"]?.bytesValue else {
            throw Failure("the attestation object does not read")
        }
        let data = try AuthenticatorData(authData, relyingParty: relyingParty, userVerification: false)
        guard let attested = data.attested else { throw Failure("no credential was attested") }
        _ = try verifyingKey(attested.publicKey)
        return Credential(id: attested.id, publicKey: attested.publicKey, algorithm: attested.algorithm, signCount: data.signCount)
    }

    /// Checks an assertion (§7.2, steps 11–21) against the passkey's key and last counter; answers the new counter.
    /// A counter that did not move past the last one, when either is not zero, means a cloned authenticator: refused.
    public static func verifyAssertion(
        authenticatorData: [UInt8],
        clientDataJSON: [UInt8],
        signature: [UInt8],
        challenge: String,
        credential: Credential,
        relyingParty: RelyingParty,
        userVerification: Bool
    ) throws(Failure) -> UInt32 {
        try check(clientDataJSON, type: "webauthn.get", challenge: challenge, relyingParty: relyingParty)
        let data = try AuthenticatorData(authenticatorData, relyingParty: relyingParty, userVerification: userVerification)
        let signed = authenticatorData + Array(SHA256.hash(data: clientDataJSON))
        switch try verifyingKey(credential.publicKey) {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature), key.isValidSignature(parsed, for: signed) else {
                throw Failure("the signature is not the passkey's")
            }
        case .rsa(let key):
            guard
                key.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature),
                    for: SHA256.hash(data: signed),
                    padding: .insecurePKCS1v1_5
                )
            else { throw Failure("the signature is not the passkey's") }
        }
        if data.signCount != 0 || credential.signCount != 0, data.signCount <= credential.signCount {
            throw Failure("the signature counter did not move forward: the passkey may have been copied")
        }
        return data.signCount
    }

    private static func check(_ json: [UInt8], type: String, challenge: String, relyingParty: RelyingParty) throws(Failure) {
        let client = try clientData(json)
        guard client.type == type else { throw Failure("the client data is for \(client.type), not \(type)") }
        guard ConstantTime.equal(client.challenge, challenge) else { throw Failure("the challenge is not the one sent") }
        guard client.origin == relyingParty.origin, !client.crossOrigin else { throw Failure("the origin \(client.origin) is not this server's") }
    }

    /// The authenticator data (§6.1), with its relying party and flags checked.
    struct AuthenticatorData {
        var signCount: UInt32
        var attested: (id: [UInt8], publicKey: [UInt8], algorithm: Int64)?

        init(_ bytes: [UInt8], relyingParty: RelyingParty, userVerification: Bool) throws(Failure) {
            guard bytes.count >= 37 else { throw Failure("the authenticator data is too short") }
            guard ConstantTime.equal(Array(bytes[0..<32]), Array(SHA256.hash(data: Array(relyingParty.id.utf8)))) else {
                throw Failure("the passkey is for another site")
            }
            let flags = bytes[32]
            guard flags & 0x01 != 0 else { throw Failure("the user was not present") }
            guard !userVerification || flags & 0x04 != 0 else { throw Failure("the user was not verified") }
            signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
            guard flags & 0x40 != 0 else { return }
            guard bytes.count >= 55 else { throw Failure("the attested credential data is too short") }
            let length = Int(bytes[53]) << 8 | Int(bytes[54])
            guard length <= 1023, bytes.count >= 55 + length else { throw Failure("the credential id is too long") }
            let id = Array(bytes[55..<55 + length])
            guard let (key, end) = try? CBOR.decode(bytes, from: 55 + length), let algorithm = key[int: 3]?.intValue else {
                throw Failure("the credential's public key does not read")
            }
            attested = (id, Array(bytes[(55 + length)..<end]), algorithm)
        }
    }

    enum VerifyingKey {
        case p256(P256.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    /// The COSE key (RFC 9053) as a key to check signatures with: EC2 on P-256 for ES256, RSA for RS256.
    static func verifyingKey(_ cose: [UInt8]) throws(Failure) -> VerifyingKey {
        guard let (key, _) = try? CBOR.decode(cose), let type = key[int: 1]?.intValue, let algorithm = key[int: 3]?.intValue else {
            throw Failure("the public key is not a COSE key")
        }
        switch (type, algorithm) {
        case (2, -7):
            guard key[int: -1]?.intValue == 1, let x = key[int: -2]?.bytesValue, let y = key[int: -3]?.bytesValue, x.count == 32, y.count == 32,
                let parsed = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
            else { throw Failure("the ES256 key is not on P-256") }
            return .p256(parsed)
        case (3, -257):
            guard let n = key[int: -1]?.bytesValue, let e = key[int: -2]?.bytesValue, let parsed = try? _RSA.Signing.PublicKey(n: n, e: e) else {
                throw Failure("the RS256 key does not read")
            }
            return .rsa(parsed)
        default:
            throw Failure("the key's algorithm \(algorithm) is neither ES256 nor RS256")
        }
    }
}

/// base64url without padding (RFC 4648 §5), as WebAuthn's values travel.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 65_536 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}
