import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/accounts/signup` as the operators' sign-up mode has it (`SignupPolicy`): open; by approval (a reason given, the
/// account held until an operator decides); by invitation (`?invite=CODE`); or closed. Email domains operators
/// blocked are refused in every mode.
struct SignupController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/signup") { visit in try await signupPage(visit, policy: web.dependencies.signupPolicy()) }
        routes.post("/accounts/signup", signup)
    }

    /// The sign-up form, or what stands in its place when the mode refuses it; `posted` when answering a form sent
    /// anyway (then a refusal is a 403).
    private func signupPage(
        _ visit: Web.Visit,
        policy: SignupPolicy,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        posted: Bool = false
    ) async throws -> Response {
        let invite = visit.query.value("invite") ?? visit.form.value("invite") ?? ""
        switch policy.mode {
        case .closed:
            return web.message(
                "Sign-ups are closed",
                status: posted ? .forbidden : .ok,
                visit,
                notice: "This server is not taking new accounts."
            )
        case .invite where try await storage.signups.liveInvite(invite) == nil:
            return web.message(
                "Sign-up is by invitation",
                status: posted ? .forbidden : .ok,
                visit,
                error: invite.isEmpty ? nil : "This invitation has expired or been used up.",
                notice: invite.isEmpty ? "Accounts on this server are made with an invitation link from one of its members." : nil
            )
        default:
            return web.page(
                "accounts/signup",
                title: policy.mode == .approval ? "Ask to join" : "Sign up",
                status: status,
                visit,
                AccountsController.credentialsForm(visit).merging(
                    [
                        "fullName": visit.form.value("full_name") ?? "", "email": visit.form.value("email") ?? "",
                        "requiresEmail": policy.asksForEmail, "approval": policy.mode == .approval,
                        "reason": visit.form.value("reason") ?? "", "invite": policy.mode == .invite ? invite : "",
                    ]
                ) { $1 },
                error: error
            )
        }
    }

    @Sendable private func signup(_ visit: Web.Visit) async throws -> Response {
        let policy = try await web.dependencies.signupPolicy()
        let invite = policy.mode == .invite ? visit.form.value("invite") ?? "" : nil
        if policy.mode == .closed { return try await signupPage(visit, policy: policy, posted: true) }
        if let invite, try await storage.signups.liveInvite(invite) == nil {
            return try await signupPage(visit, policy: policy, posted: true)
        }
        let throttle = web.dependencies.loginThrottle
        guard try await throttle.mayCreateAccount(from: visit.remoteHost) else {
            return try await signupPage(
                visit,
                policy: policy,
                error: "Too many accounts were made from your address. Try again in half an hour.",
                status: .tooManyRequests
            )
        }
        let request: SignUp.Request
        do {
            request = try await checkedRequest(visit, policy: policy, invite: invite)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await signupPage(visit, policy: policy, error: message, status: .badRequest)
        }
        let mails = web.dependencies.mails
        let username = request.account.username
        let user: UserID
        do {
            user = try await storage.signUp(request, from: visit.origin) { address, token in
                mails.verification(to: address, username: username, token: token)
            }
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await signupPage(visit, policy: policy, error: message, status: .badRequest)
        }
        try await throttle.recordAccountCreated(from: visit.remoteHost)
        if let email = request.email, request.awaitingApproval != nil {
            return web.message(
                "Thank you for asking",
                status: .ok,
                visit,
                notice: "Your request to join is waiting for an operator. We will write to \(email) when they have decided."
            )
        }
        guard let created = try await storage.users.find(user) else { throw WebError(status: .notFound, message: "No such user.") }
        return try await web.signIn(created, visit, next: visit.form.value("next"))
    }

    /// The form's fields, each checked; throws what is wrong with the first that is.
    private func checkedRequest(_ visit: Web.Visit, policy: SignupPolicy, invite: String?) async throws -> SignUp.Request {
        let username = try Validation.username(visit.form.value("username") ?? "")
        let fullName = try Validation.text(visit.form.value("full_name") ?? "", field: "full_name", maxLength: 60).trimmingSpaces()
        let typedEmail = (visit.form.value("email") ?? "").trimmingSpaces()
        let email = typedEmail.isEmpty && !policy.asksForEmail ? nil : try Validation.email(typedEmail)
        if let email, policy.blocks(email: email) {
            throw DomainError.invalidInput(field: "email", reason: "addresses of that domain are not accepted here")
        }
        var reason: String?
        if policy.mode == .approval {
            reason = try Validation.text(visit.form.value("reason") ?? "", field: "reason", maxLength: 500).trimmingSpaces()
            if reason?.isEmpty == true { throw DomainError.missingInput(field: "reason") }
        }
        let password = visit.form.value("password") ?? ""
        try PasswordPolicy.check(password, username: username)
        let hash = try await PasswordHasher.hash(password)
        return SignUp.Request(
            account: NewUser(username: username, passwordHash: hash, fullName: fullName),
            email: email,
            invite: invite,
            awaitingApproval: reason
        )
    }
}
