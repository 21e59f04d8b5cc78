import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

/// What the web pages (sign-up, log-in, consent, settings, developer clients) share: cookies, the session, forms and
/// their CSRF check, and HTML responses.
struct Web: Sendable {
    let dependencies: Dependencies
    /// Cookies get `Secure` when the public URL is https.
    let secureCookies: Bool

    static let sessionCookie = "darkroom_session"
    static let csrfCookie = "darkroom_csrf"

    /// A page request, parsed: its query and form fields, its cookies, and the signed-in user if any.
    struct Visit: Sendable {
        var query: Parameters
        var form: Parameters
        var files: [String: [UInt8]]
        var cookies: Cookies
        var user: User?
        var sessionID: String?
        /// The CSRF value forms on this page carry; a new one is set as a cookie when the browser has none.
        var csrf: String
        var issuesCSRFCookie: Bool
        var path: String
        var pathAndQuery: String
        var remoteHost: String
    }

    /// Reads a page request by `RequestInput`'s rules (pages may post photos, admitted like the API's uploads) and
    /// finds who is signed in.
    func visit(_ request: Request, context: AppRequestContext) async throws -> Visit {
        var request = request
        let input: RequestInput
        let sessions = dependencies.storage.sessions
        // A photo form's bytes are read only for someone signed in.
        let rules = RequestInput.Rules(multipart: (dependencies.uploadLimit, dependencies.ingest, dependencies.bodyBudget)) { request, _ in
            guard let session = request.cookies[Self.sessionCookie]?.value, try await sessions.user(for: session) != nil else {
                throw APIError(type: "APINotAllowedError", code: 403, message: "Log in before sending a photo.")
            }
        }
        do {
            input = try await RequestInput.of(&request, context: context, rules: rules)
        } catch {
            throw WebError(status: .init(code: error.code), message: error.message)
        }
        let cookies = request.cookies
        var user: User?
        let sessionID = cookies[Self.sessionCookie]?.value
        if let sessionID, let id = try await dependencies.storage.sessions.user(for: sessionID) {
            user = try await dependencies.storage.users.find(id)
            context.observations.userID = user?.id
        }
        let existingCSRF = cookies[Self.csrfCookie].flatMap { $0.value.count == 64 ? $0.value : nil }
        let query = request.uri.query ?? ""
        return Visit(
            query: input.query, form: input.form, files: input.files, cookies: cookies, user: user,
            sessionID: user == nil ? nil : sessionID, csrf: existingCSRF ?? dependencies.storage.environment.randomHex(bytes: 32),
            issuesCSRFCookie: existingCSRF == nil, path: request.uri.path, pathAndQuery: request.uri.path + (query.isEmpty ? "" : "?" + query),
            remoteHost: context.remoteHost)
    }

    /// Every form POST carries the CSRF value its page set in a cookie (double submit): another site can make a
    /// browser post, but cannot read or set our cookie.
    func requireCSRF(_ visit: Visit) throws(WebError) {
        guard let cookie = visit.cookies[Self.csrfCookie]?.value, let field = visit.form.value("csrf_token"),
              ConstantTime.equal(field, cookie), !cookie.isEmpty
        else { throw WebError(status: .forbidden, message: "This form has expired. Go back, reload the page and try again.") }
    }

    // MARK: Responses

    func page(_ title: String, status: HTTPResponse.Status = .ok, _ visit: Visit, body: String) -> Response {
        var response = Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
                .xFrameOptions: "DENY", .contentSecurityPolicy: "default-src 'self'; img-src 'self' http: https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
                .referrerPolicy: "no-referrer",
            ],
            body: .init(byteBuffer: ByteBuffer(string: HTML.layout(title: title, user: visit.user, csrf: visit.csrf, body: body))))
        if visit.issuesCSRFCookie { response.setCookie(cookie(Self.csrfCookie, visit.csrf)) }
        if status == .serviceUnavailable { response.headers[.retryAfter] = "2" }
        return response
    }

    func redirect(to location: String, setting cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// Every cookie Darkroom sets: the whole site, never read by scripts, not sent on other sites' subrequests, and
    /// `Secure` when the public URL is https.
    func cookie(_ name: String, _ value: String, maxAge: Int64? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge.map { Int($0) }, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    func sessionCookie(_ id: String) -> Cookie { cookie(Self.sessionCookie, id, maxAge: SessionStore.lifetime) }
    func clearedSessionCookie() -> Cookie { cookie(Self.sessionCookie, "", maxAge: 0) }

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

/// A failure shown as a page.
struct WebError: Error {
    var status: HTTPResponse.Status
    var message: String
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// HTML written by hand, every interpolated value escaped.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
    }

    static func field(_ label: String, name: String, value: String = "", type: String = "text", extra: String = "") -> String {
        """
        <label>\(escape(label))<input type="\(type)" name="\(escape(name))" id="\(escape(name))" value="\(escape(value))" \(extra)></label>
        """
    }

    static func checkbox(_ label: String, name: String, checked: Bool) -> String {
        "<label class=\"check\"><input type=\"checkbox\" name=\"\(escape(name))\" id=\"\(escape(name))\" value=\"on\"\(checked ? " checked" : "")> \(escape(label))</label>"
    }

    static func error(_ message: String?) -> String {
        message.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? ""
    }

    static func layout(title: String, user: User?, csrf: String, body: String) -> String {
        let account = user.map { user in
            """
            <nav><a href="/accounts/settings">@\(escape(user.summary.username))</a> · <a href="/accounts/applications">Apps</a> ·
            <a href="/developer/clients">Developer</a>
            <form method="post" action="/accounts/logout" class="inline">\(hidden("csrf_token", csrf))<button type="submit" id="logout">Log out</button></form></nav>
            """
        } ?? "<nav><a href=\"/accounts/login\">Log in</a> · <a href=\"/accounts/signup\">Sign up</a></nav>"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Darkroom</title>
            <style>
            *{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
            header{display:flex;justify-content:space-between;align-items:baseline;border-bottom:1px solid #ddd;margin-bottom:1.5rem}
            h1{font-size:1.6rem}label{display:block;margin:.8rem 0}input[type=text],input[type=password],input[type=url],textarea{display:block;width:100%;padding:.4rem;font:inherit}
            .check input{display:inline}button{font:inherit;padding:.4rem 1rem;margin:.3rem .3rem .3rem 0}.inline{display:inline}
            .error{color:#a00;font-weight:600}.scopes li{margin:.3rem 0}code{background:#f3f3f3;padding:.1rem .3rem}table{border-collapse:collapse}td,th{padding:.3rem .6rem;text-align:left}
            </style></head>
            <body><header><strong>Darkroom</strong>\(account)</header>
            <main><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
    }
}
