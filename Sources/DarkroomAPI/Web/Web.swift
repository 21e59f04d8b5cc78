import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

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
        var files: [String: [[UInt8]]]
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
        /// The signed-in person's activity not yet read (the navigation's count).
        var unreadActivity = 0
        /// The request's connection, for calls the page makes to the server's own API (`LocalAPI`).
        var channel: (any Channel)? = nil
        /// The browser's `User-Agent`, for the sessions and security log its owner reads.
        var userAgent = ""

        /// Where an account change comes from, for the security log and the mail that tells of it.
        var origin: SecurityLog.Origin { SecurityLog.Origin(address: remoteHost, device: DeviceName.describe(userAgent: userAgent)) }
    }
}
