import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// Passkeys (WebAuthn): registered from `/accounts/passkeys`, used to sign in without a password (the log-in page's
/// passkey button) and as the second factor of a password sign-in. The browser's part is `/static/passkeys.js`, which
/// asks for options (a challenge made here), has the authenticator answer, and posts the answer as an ordinary form;
/// `WebAuthn` checks it. A passkey needs script by nature; everything else on these pages works without.
struct PasskeyController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes, router: Router<AppRequestContext>) {
        web.serveScript("/static/passkeys.js", web.dependencies.templates.passkeyScript, on: router)
        routes.get("/accounts/passkeys") { visit in try await passkeysPage(visit, user: visit.requireUser()) }
        routes.post("/accounts/passkeys/options", registrationOptions)
        routes.post("/accounts/passkeys", register)
        routes.post("/accounts/passkeys/delete", delete)
        routes.post("/accounts/login/passkey/options") { visit in try await signInOptions(visit, secondFactor: false) }
        routes.post("/accounts/login/passkey") { visit in try await signIn(visit, secondFactor: false) }
        routes.post("/accounts/login/two-factor/passkey/options") { visit in try await signInOptions(visit, secondFactor: true) }
        routes.post("/accounts/login/two-factor/passkey") { visit in try await signIn(visit, secondFactor: true) }
    }

    private var relyingParty: WebAuthn.RelyingParty {
        WebAuthn.RelyingParty(publicURL: web.dependencies.links.publicURL) ?? WebAuthn.RelyingParty(publicURL: "http://localhost")!
    }

    // MARK: Registering

    private func passkeysPage(_ visit: Web.Visit, user: User, error: String? = nil, notice: String? = nil) async throws -> Response {
        let passkeys = try await storage.passkeys.passkeys(of: user.id)
        return web.page(
            "accounts/passkeys",
            title: "Passkeys",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "hasPasskeys": !passkeys.isEmpty,
                "passkeys": passkeys.map { passkey in
                    [
                        "id": Base64URL.encode(passkey.credential.id), "name": passkey.name, "added": PageModels.date(passkey.createdAt),
                        "used": passkey.lastUsedAt.map { PageModels.date($0, time: true) } ?? "never",
                    ]
                },
            ],
            error: error,
            notice: notice,
            scripts: true
        )
    }

    @Sendable private func registrationOptions(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let challenge = try await storage.passkeys.challenge(.register, for: user.id)
        let existing = try await storage.passkeys.passkeys(of: user.id).map { Base64URL.encode($0.credential.id) }
        return Self.json([
            "challenge": challenge, "rp": ["id": relyingParty.id, "name": relyingParty.name],
            "user": ["id": Base64URL.encode(Array(String(user.id.rawValue).utf8)), "name": user.username, "displayName": user.username],
            "algorithms": WebAuthn.algorithms, "exclude": existing,
        ])
    }

    @Sendable private func register(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let name = try Validation.text(visit.form.value("name") ?? "", field: "name", maxLength: 60).trimmingSpaces()
        guard let clientData = Base64URL.decode(visit.form.value("client_data") ?? ""),
            let attestation = Base64URL.decode(visit.form.value("attestation_object") ?? ""),
            let sent = try? WebAuthn.clientData(clientData),
            try await storage.passkeys.redeem(sent.challenge, .register, for: user.id)
        else {
            return try await passkeysPage(visit, user: user, error: "The passkey could not be added: its answer was not for this page. Try again.")
        }
        let credential: WebAuthn.Credential
        do {
            credential = try WebAuthn.verifyRegistration(
                attestationObject: attestation,
                clientDataJSON: clientData,
                challenge: sent.challenge,
                relyingParty: relyingParty
            )
        } catch {
            return try await passkeysPage(visit, user: user, error: "The passkey could not be added: \(error.reason).")
        }
        do {
            try await storage.passkeys.register(credential, name: name.isEmpty ? "Passkey" : name, for: user.id, from: visit.origin)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await passkeysPage(visit, user: user, error: message)
        }
        if let codes = try await storage.twoFactor.firstRecoveryCodes(for: user.id) {
            return web.page("accounts/recovery-codes", title: "Your recovery codes", visit, ["codes": codes], notice: "The passkey is added.")
        }
        return try await passkeysPage(visit, user: user, notice: "The passkey is added.")
    }

    @Sendable private func delete(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        try await storage.passkeys.delete(visit.form.value("credential") ?? "", of: user.id, from: visit.origin)
        return try await passkeysPage(visit, user: user, notice: "The passkey is removed.")
    }

    // MARK: Signing in

    private func signInOptions(_ visit: Web.Visit, secondFactor: Bool) async throws -> Response {
        var allowed: [String] = []
        if secondFactor {
            guard let user = try await web.heldSignIn(visit) else { throw WebError(status: .forbidden, message: "Log in with your password first.") }
            allowed = try await storage.passkeys.passkeys(of: user).map { Base64URL.encode($0.credential.id) }
            return Self.json([
                "challenge": try await storage.passkeys.challenge(.secondFactor, for: user), "rpId": relyingParty.id, "allow": allowed,
                "userVerification": "preferred",
            ])
        }
        return Self.json([
            "challenge": try await storage.passkeys.challenge(.signIn, for: nil), "rpId": relyingParty.id, "allow": allowed,
            "userVerification": "required",
        ])
    }

    private func signIn(_ visit: Web.Visit, secondFactor: Bool) async throws -> Response {
        let pending = secondFactor ? try await web.heldSignIn(visit) : nil
        if secondFactor, pending == nil { return web.redirect(to: "/accounts/login") }
        let refused = { (reason: String) async throws -> Response in
            let page = secondFactor ? "/accounts/login/two-factor" : "/accounts/login"
            return web.message("The passkey did not work", status: .badRequest, visit, error: reason, links: [(page, "Try again")])
        }
        let form = visit.form
        guard let clientData = Base64URL.decode(form.value("client_data") ?? ""),
            let authenticatorData = Base64URL.decode(form.value("authenticator_data") ?? ""),
            let signature = Base64URL.decode(form.value("signature") ?? ""),
            let sent = try? WebAuthn.clientData(clientData),
            let passkey = try await storage.passkeys.find(form.value("credential_id") ?? "")
        else { return try await refused("That passkey is not registered here.") }
        // A discoverable passkey names its owner; it must be the passkey's, and for a second factor, the one signing in.
        if let handle = form.value("user_handle"), !handle.isEmpty,
            Base64URL.decode(handle) != Array(String(passkey.user.rawValue).utf8)
        {
            return try await refused("That passkey is not registered here.")
        }
        if let pending, pending != passkey.user { return try await refused("That passkey is another account's.") }
        guard try await storage.passkeys.redeem(sent.challenge, secondFactor ? .secondFactor : .signIn, for: pending) else {
            return try await refused("The sign-in took too long, or its answer was used already. Try again.")
        }
        let counter: UInt32
        do {
            counter = try WebAuthn.verifyAssertion(
                authenticatorData: authenticatorData,
                clientDataJSON: clientData,
                signature: signature,
                challenge: sent.challenge,
                credential: passkey.credential,
                relyingParty: relyingParty,
                userVerification: !secondFactor
            )
        } catch {
            try await storage.securityLog.record(.passkeyFailed, user: passkey.user, from: visit.origin, detail: error.reason)
            return try await refused("The passkey's answer was refused: \(error.reason).")
        }
        guard try await storage.passkeys.recordUse(Base64URL.encode(passkey.credential.id), from: passkey.credential.signCount, to: counter)
        else { return try await refused("The passkey was used at the same moment elsewhere. Try again.") }
        guard let user = try await storage.users.find(passkey.user) else { return try await refused("That account cannot sign in.") }
        if secondFactor { return try await web.completeHeldSignIn(user, visit, next: form.value("next")) }
        return try await web.signIn(user, visit, next: form.value("next"))
    }

    private static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
