/// Whether a `redirect_uri` sent to `/oauth/authorize` matches one a client registered (reference §2.2).
///
/// As v1 matched it: scheme, host, port and path exactly as registered, trailing slash included (a slash added after
/// the registered path is accepted only before a query, as the reference's worked table shows); the registered URI's
/// own query parameters first and in their order, extra ones allowed after them; no fragment, no user information.
/// `strict` (a client's setting, as the OAuth 2.0 Security BCP recommends) asks for the registered URI to the letter.
public enum RedirectURI {
    public static func matches(registered: String, sent: String, strict: Bool) -> Bool {
        if strict { return sent == registered }
        guard let want = Parts(registered), let got = Parts(sent), got.fragment == nil, !got.hasUserInfo, !want.hasUserInfo else { return false }
        guard got.scheme == want.scheme, got.host == want.host, got.port == want.port else { return false }
        guard got.path == want.path || (got.path == want.path + "/" && !got.query.isEmpty && !want.path.hasSuffix("/")) else { return false }
        return got.query.starts(with: want.query)
    }

    /// A URI split as a browser sends it; nil for anything but `scheme://authority/path?query#fragment` with no spaces,
    /// controls or backslashes (which browsers would rewrite).
    struct Parts {
        var scheme: String
        var host: String
        var port: String
        var hasUserInfo: Bool
        var path: String
        var query: [Substring]
        var fragment: Substring?

        init?(_ uri: String) {
            guard !uri.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" }),
                let schemeEnd = uri.range(of: "://")
            else { return nil }
            scheme = uri[..<schemeEnd.lowerBound].lowercased()
            var rest = uri[schemeEnd.upperBound...]
            if let hash = rest.firstIndex(of: "#") {
                fragment = rest[rest.index(after: hash)...]
                rest = rest[..<hash]
            }
            var queryText: Substring = ""
            if let mark = rest.firstIndex(of: "?") {
                queryText = rest[rest.index(after: mark)...]
                rest = rest[..<mark]
            }
            query = queryText.split(separator: "&", omittingEmptySubsequences: true)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<slash]
            path = String(rest[slash...])
            hasUserInfo = authority.contains("@")
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                host = authority[..<colon].lowercased()
                port = String(authority[authority.index(after: colon)...])
            } else {
                host = authority.lowercased()
                port = ""
            }
            guard !host.isEmpty else { return nil }
        }
    }
}
