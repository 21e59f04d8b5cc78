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
    /// What templates write where a form's CSRF value goes; each response puts the browser's own value there, so
    /// rendered fragments can be shared between people. Random per process: no one can write it into a caption.
    let csrfPlaceholder: String
    var fragments: RenderedFragments { dependencies.pageFragments }

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
        /// Whether the signed-in person is one of the server's operators (the layout links the admin area).
        var isOperator = false
        /// Whether the signed-in person blocks someone or is blocked (then samples of likes and comments are filtered).
        var involvedInBlocks = false
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
        var isOperator = false
        var involvedInBlocks = false
        let sessionID = cookies[Self.sessionCookie]?.value
        if let sessionID, let visitor = try await dependencies.storage.sessions.visitor(for: sessionID) {
            user = visitor.user
            isOperator = visitor.isOperator
            involvedInBlocks = visitor.involvedInBlocks
            context.observations.userID = visitor.user.id
        }
        let existingCSRF = cookies[Self.csrfCookie].flatMap { $0.value.count == 64 ? $0.value : nil }
        let query = request.uri.query ?? ""
        return Visit(
            query: input.query,
            form: input.form,
            files: input.files,
            cookies: cookies,
            user: user,
            sessionID: user == nil ? nil : sessionID,
            csrf: existingCSRF ?? dependencies.storage.environment.randomHex(bytes: 32),
            issuesCSRFCookie: existingCSRF == nil,
            path: request.uri.path,
            pathAndQuery: request.uri.path + (query.isEmpty ? "" : "?" + query),
            remoteHost: context.remoteHost,
            isOperator: isOperator,
            involvedInBlocks: involvedInBlocks
        )
    }

    /// Every form POST carries the CSRF value its page set in a cookie (double submit): another site can make a
    /// browser post, but cannot read or set our cookie.
    func requireCSRF(_ visit: Visit) throws(WebError) {
        guard let cookie = visit.cookies[Self.csrfCookie]?.value, let field = visit.form.value("csrf_token"),
            ConstantTime.equal(field, cookie), !cookie.isEmpty
        else { throw WebError(status: .forbidden, message: "This form has expired. Go back, reload the page and try again.") }
    }

    // MARK: Responses

    /// A page from its template. `data` is what the template reads; every value is escaped by the template library
    /// unless a template asks otherwise (none does). The layout also gets the title, the signed-in person, the CSRF
    /// value and the page's error or notice.
    func page(
        _ template: String,
        title: String,
        status: HTTPResponse.Status = .ok,
        _ visit: Visit,
        _ data: [String: Any] = [:],
        error: String? = nil,
        notice: String? = nil,
        scripts: Bool = false
    ) -> Response {
        var context = data
        context["title"] = title
        context["csrf"] = csrfPlaceholder
        if let user = visit.user { context["viewer"] = ["username": user.username, "isOperator": visit.isOperator] as [String: Any] }
        if let error { context["error"] = error }
        if let notice { context["notice"] = notice }
        var response = Response(
            status: status,
            headers: Self.pageHeaders(scripts: scripts),
            body: .init(byteBuffer: Self.substitute(csrfPlaceholder, with: visit.csrf, in: dependencies.templates.render(template, context)))
        )
        if visit.issuesCSRFCookie { response.setCookie(cookie(Self.csrfCookie, visit.csrf)) }
        if status == .serviceUnavailable { response.headers[.retryAfter] = "2" }
        return response
    }

    /// `html` with every `placeholder` replaced by `value` (both ASCII), written straight into the response's buffer.
    static func substitute(_ placeholder: String, with value: String, in html: String) -> ByteBuffer {
        fill(html, placeholder: placeholder, csrf: value, slots: [:])
    }

    /// `html` with the placeholder replaced by the CSRF value, and the placeholder followed by a slot's letter by that
    /// slot's content (rendered HTML, whose own forms' placeholders are replaced too). Where a form carries the
    /// placeholder, a quote follows it, never a letter.
    static func fill(_ html: String, placeholder: String, csrf: String, slots: [UInt8: String]) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: html.utf8.count + slots.values.reduce(256) { $0 + $1.utf8.count })
        write(html, into: &out, needle: Array(placeholder.utf8), csrf: Array(csrf.utf8), slots: slots)
        return out
    }

    private static func write(_ html: String, into out: inout ByteBuffer, needle: [UInt8], csrf: [UInt8], slots: [UInt8: String]) {
        var html = html
        html.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var start = 0
            var index = 0
            let last = bytes.count - needle.count
            while index <= last {
                if bytes[index] == needle[0], needle.indices.allSatisfy({ bytes[index + $0] == needle[$0] }) {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<index]))
                    index += needle.count
                    if index < bytes.count, let slot = slots[bytes[index]] {
                        write(slot, into: &out, needle: needle, csrf: csrf, slots: [:])
                        index += 1
                    } else {
                        out.writeBytes(csrf)
                    }
                    start = index
                } else {
                    index += 1
                }
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }

    /// A page put together from rendered fragments without rendering the layout again: the layout is rendered once per
    /// signed-in state (who, operator or not) with markers in its slots — the title, the head's extras, the main
    /// content — and each response fills the slots. The pages people load most (home, profiles, grids) use it; the
    /// layout stays the one template every page has.
    func composedPage(title: String, _ visit: Visit, head: RenderedHTML?, main: RenderedHTML, after: RenderedHTML? = nil) -> Response {
        let viewer = visit.user.map { $0.username + (visit.isOperator ? "|operator" : "") } ?? ""
        let shell = fragment("shell", key: viewer) {
            var data: [String: Any] = [
                "title": csrfPlaceholder + "T", "headHTML": csrfPlaceholder + "H", "mainHTML": csrfPlaceholder + "M",
            ]
            if let user = visit.user { data["viewer"] = ["username": user.username, "isOperator": visit.isOperator] as [String: Any] }
            return data
        }
        let escapedTitle = fragment("text", key: title) { ["text": title] }
        let body = Self.fill(
            shell.description,
            placeholder: csrfPlaceholder,
            csrf: visit.csrf,
            slots: [
                UInt8(ascii: "T"): escapedTitle.description, UInt8(ascii: "H"): head?.description ?? "",
                UInt8(ascii: "M"): main.description + (after?.description ?? ""),
            ]
        )
        var response = Response(status: .ok, headers: Self.pageHeaders(scripts: false), body: .init(byteBuffer: body))
        if visit.issuesCSRFCookie { response.setCookie(cookie(Self.csrfCookie, visit.csrf)) }
        return response
    }

    static func pageHeaders(scripts: Bool) -> HTTPFields {
        [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
            .xFrameOptions: "DENY", .contentSecurityPolicy: scripts ? scriptedContentSecurityPolicy : contentSecurityPolicy,
            .referrerPolicy: "no-referrer",
        ]
    }

    /// No script at all, styles only from our stylesheet, photos from here or a configured CDN, never in a frame. No
    /// `form-action`: browsers apply it to the redirect after a form, and consent ends with one to the client's URI.
    static let contentSecurityPolicy = "default-src 'none'; img-src 'self' http: https:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"

    /// The API console's: its one script file, from here, calling the API here.
    static let scriptedContentSecurityPolicy =
        """
        default-src 'none'; img-src 'self' http: https:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors \
        'none'
        """

    /// A fragment of a page from its template, kept in `RenderedFragments` under `key` (which must name everything
    /// `data` holds), with the CSRF placeholder where its forms need the value.
    func fragment(_ template: String, key: String, _ data: () -> [String: Any]) -> RenderedHTML {
        fragments.html(template + "\u{1}" + key) {
            var context = data()
            context["csrf"] = csrfPlaceholder
            return dependencies.templates.fragment(template, context)
        }
    }

    /// As `fragment(_:key:_:)`, for data that must first be read.
    func fragment(_ template: String, key: String, _ data: () async throws -> [String: Any]) async throws -> RenderedHTML {
        try await fragments.html(template + "\u{1}" + key) {
            var context = try await data()
            context["csrf"] = csrfPlaceholder
            return dependencies.templates.fragment(template, context)
        }
    }

    /// A page that only says something: a failure, or what just happened.
    func message(
        _ title: String,
        status: HTTPResponse.Status,
        _ visit: Visit,
        error: String? = nil,
        notice: String? = nil,
        links: [(href: String, label: String)] = []
    ) -> Response {
        page(
            "message",
            title: title,
            status: status,
            visit,
            ["links": links.map { ["href": $0.href, "label": $0.label] }],
            error: error,
            notice: notice
        )
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
