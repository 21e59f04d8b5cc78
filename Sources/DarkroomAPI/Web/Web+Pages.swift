import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

// Answering with pages: rendered from templates, put together from kept fragments, or a short message.
extension Web {
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
        if let user = visit.user {
            let badge = unreadBadge(visit).description
            context["viewer"] = ["username": user.username, "isOperator": visit.isOperator, "unreadHTML": badge] as [String: Any]
        }
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

    /// The count of the visitor's unread activity beside "Activity" in the navigation: nothing when there is none,
    /// "99+" past the ceiling. A slot of its own in a composed page, whose kept layout is shared across counts.
    func unreadBadge(_ visit: Visit) -> RenderedHTML {
        let ceiling = ActivityStore.unreadCeiling
        let count = visit.unreadActivity > ceiling ? "\(ceiling)+" : visit.unreadActivity > 0 ? String(visit.unreadActivity) : ""
        return fragment("activity-badge", key: count) { ["unread": count.isEmpty ? false : count] }
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
            if let user = visit.user {
                data["viewer"] = ["username": user.username, "isOperator": visit.isOperator, "unreadHTML": csrfPlaceholder + "U"] as [String: Any]
            }
            return data
        }
        let escapedTitle = fragment("text", key: title) { ["text": title] }
        let body = Self.fill(
            shell.description,
            placeholder: csrfPlaceholder,
            csrf: visit.csrf,
            slots: [
                UInt8(ascii: "T"): escapedTitle.description, UInt8(ascii: "H"): head?.description ?? "",
                UInt8(ascii: "M"): main.description + (after?.description ?? ""), UInt8(ascii: "U"): unreadBadge(visit).description,
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

    /// No script at all, styles only from our stylesheet, photos and videos from here or a configured CDN, never in a
    /// frame. No `form-action`: browsers apply it to the redirect after a form, and consent ends with one to the
    /// client's URI.
    static let contentSecurityPolicy =
        "default-src 'none'; img-src 'self' http: https:; media-src 'self' http: https:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"

    /// The API console's: its one script file, from here, calling the API here.
    static let scriptedContentSecurityPolicy =
        """
        default-src 'none'; img-src 'self' http: https:; media-src 'self' http: https:; style-src 'self'; script-src 'self'; connect-src 'self'; \
        base-uri 'none'; frame-ancestors 'none'
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
}
