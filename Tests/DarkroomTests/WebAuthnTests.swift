import Crypto
import DarkroomCore
import Foundation
import Testing
import _CryptoExtras

/// Passkey answers checked as WebAuthn says, with a software authenticator signing them (ES256 and RS256): every
/// check that a browser cannot show the server failing — another origin, another site's id, a stale counter, a
/// forged signature, a challenge not sent, the wrong ceremony — and CBOR that an attacker shaped.
@Suite struct WebAuthnTests {
    static let site = WebAuthn.RelyingParty(publicURL: "https://photos.example")!

    /// What an authenticator does, in software, for one key.
    struct Authenticator {
        enum Key {
            case p256(P256.Signing.PrivateKey)
            case rsa(_RSA.Signing.PrivateKey)
        }

        let key: Key
        let credentialID: [UInt8] = Array(repeating: 7, count: 16)
        var counter: UInt32 = 0

        var cose: [UInt8] {
            switch key {
            case .p256(let key):
                let raw = Array(key.publicKey.x963Representation)
                // {1: 2, 3: -7, -1: 1, -2: x, -3: y}
                return [0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20] + raw[1..<33] + [0x22, 0x58, 0x20] + raw[33..<65]
            case .rsa(let key):
                let primitives = try! key.publicKey.getKeyPrimitives()
                let n = Array(primitives.modulus), e = Array(primitives.publicExponent)
                // {1: 3, 3: -257, -1: n, -2: e}
                let header: [UInt8] = [0xA4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59, UInt8(n.count >> 8), UInt8(n.count & 0xFF)]
                return header + n + [0x21, 0x40 | UInt8(e.count)] + e
            }
        }

        func authenticatorData(rpID: String = site.id, flags: UInt8 = 0x05, attested: Bool = false) -> [UInt8] {
            var data = Array(SHA256.hash(data: Array(rpID.utf8))) + [flags | (attested ? 0x40 : 0)]
            data += [UInt8(counter >> 24), UInt8((counter >> 16) & 0xFF), UInt8((counter >> 8) & 0xFF), UInt8(counter & 0xFF)]
            if attested { data += Array(repeating: 0, count: 16) + [0, UInt8(credentialID.count)] + credentialID + cose }
            return data
        }

        static func clientData(_ type: String, challenge: String, origin: String = site.origin) -> [UInt8] {
            Array(#"{"type":"\#(type)","challenge":"\#(challenge)","origin":"\#(origin)","crossOrigin":false}"#.utf8)
        }

        func attestationObject(rpID: String = site.id) -> [UInt8] {
            let authData = authenticatorData(rpID: rpID, attested: true)
            // {"fmt": "none", "attStmt": {}, "authData": bytes}
            return [0xA3, 0x63] + Array("fmt".utf8) + [0x64] + Array("none".utf8) + [0x67] + Array("attStmt".utf8) + [0xA0, 0x68]
                + Array("authData".utf8) + [0x59, UInt8(authData.count >> 8), UInt8(authData.count & 0xFF)] + authData
        }

        func sign(_ authData: [UInt8], _ clientData: [UInt8]) -> [UInt8] {
            let signed = authData + Array(SHA256.hash(data: clientData))
            switch key {
            case .p256(let key): return Array(try! key.signature(for: signed).derRepresentation)
            case .rsa(let key): return Array(try! key.signature(for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5).rawRepresentation)
            }
        }
    }

    static func register(_ authenticator: Authenticator) throws -> WebAuthn.Credential {
        try WebAuthn.verifyRegistration(
            attestationObject: authenticator.attestationObject(),
            clientDataJSON: Authenticator.clientData("webauthn.create", challenge: "c1"),
            challenge: "c1",
            relyingParty: site
        )
    }

    static func assert(
        _ authenticator: Authenticator,
        _ credential: WebAuthn.Credential,
        origin: String = site.origin,
        rpID: String = site.id,
        type: String = "webauthn.get",
        flags: UInt8 = 0x05,
        challenge: String = "c2",
        tamper: Bool = false
    ) throws(WebAuthn.Failure) -> UInt32 {
        let data = authenticator.authenticatorData(rpID: rpID, flags: flags)
        let client = Authenticator.clientData(type, challenge: challenge, origin: origin)
        var signature = authenticator.sign(data, client)
        if tamper { signature[signature.count - 1] ^= 1 }
        return try WebAuthn.verifyAssertion(
            authenticatorData: data,
            clientDataJSON: client,
            signature: signature,
            challenge: "c2",
            credential: credential,
            relyingParty: site,
            userVerification: true
        )
    }

    @Test(arguments: ["ES256", "RS256"])
    func aPasskeyRegistersAndSignsAndEveryForgeryIsRefused(_ algorithm: String) throws {
        let key: Authenticator.Key = algorithm == "ES256" ? .p256(P256.Signing.PrivateKey()) : .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        var authenticator = Authenticator(key: key)
        let credential = try Self.register(authenticator)
        #expect(credential.id == authenticator.credentialID && credential.algorithm == (algorithm == "ES256" ? -7 : -257))
        authenticator.counter = 5
        #expect(try Self.assert(authenticator, credential) == 5)

        var stored = credential
        stored.signCount = 5
        func refused(_ reason: String, _ attempt: () throws(WebAuthn.Failure) -> UInt32) {
            do {
                _ = try attempt()
                Issue.record("accepted: \(reason)")
            } catch {
                #expect(error.reason.contains(reason), "\(error.reason)")
            }
        }
        refused("counter") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored) }
        authenticator.counter = 6
        refused("origin") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, origin: "https://evil.example") }
        refused("origin") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, origin: "http://photos.example") }
        refused("another site") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, rpID: "evil.example") }
        refused("signature") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, tamper: true) }
        refused("challenge") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, challenge: "c3") }
        refused("webauthn.create") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, type: "webauthn.create") }
        refused("not verified") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, flags: 0x01) }
        refused("not present") { () throws(WebAuthn.Failure) in try Self.assert(authenticator, stored, flags: 0x04) }
        #expect(try Self.assert(authenticator, stored) == 6)

        // A registration made for another site or origin is refused too.
        #expect(throws: WebAuthn.Failure.self) {
            try WebAuthn.verifyRegistration(
                attestationObject: authenticator.attestationObject(rpID: "evil.example"),
                clientDataJSON: Authenticator.clientData("webauthn.create", challenge: "c1"),
                challenge: "c1",
                relyingParty: Self.site
            )
        }
        #expect(throws: WebAuthn.Failure.self) {
            try WebAuthn.verifyRegistration(
                attestationObject: authenticator.attestationObject(),
                clientDataJSON: Authenticator.clientData("webauthn.create", challenge: "c1", origin: "https://evil.example"),
                challenge: "c1",
                relyingParty: Self.site
            )
        }
    }

    @Test func cborAnAttackerShapedIsRefusedNotTrustedOrCrashedOn() throws {
        #expect(try CBOR.decode([0xA1, 0x01, 0x02]).0 == .map([(.unsigned(1), .unsigned(2))]))
        #expect(try CBOR.decode([0x38, 0x63]).0 == .negative(-100))
        for bad: [UInt8] in [
            [], [0x5A, 0xFF, 0xFF, 0xFF, 0xFF], [0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0xBF], [0x1C],
            Array(repeating: 0x81, count: 40) + [0x00], [0x62, 0xFF, 0xFE], [0xFB, 0, 0, 0, 0, 0, 0, 0, 0], [0xC0, 0x00],
        ] {
            #expect(throws: CBOR.DecodingError.self, "\(bad)") { try CBOR.decode(bad) }
        }
        // Random bytes where the attestation object should be: refused, never a crash (a fixed seed, bounded).
        var state: UInt64 = 0x5EED
        for _ in 0..<2000 {
            let length = Int(state % 96)
            let bytes = (0..<length).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            _ = try? WebAuthn.verifyRegistration(
                attestationObject: bytes,
                clientDataJSON: WebAuthnTests.Authenticator.clientData("webauthn.create", challenge: "c"),
                challenge: "c",
                relyingParty: Self.site
            )
            state = state &+ 1
        }
        #expect(Base64URL.decode(Base64URL.encode([0xFB, 0xFF, 0x01])) == [0xFB, 0xFF, 0x01])
        #expect(WebAuthn.RelyingParty(publicURL: "http://localhost:8080")?.origin == "http://localhost:8080")
    }
}
