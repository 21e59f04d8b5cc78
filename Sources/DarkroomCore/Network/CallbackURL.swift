/// The parts of a callback URL that delivery groups by.
public enum CallbackURL {
    /// The host (and port) of a URL, lowercased, without any user part: what a callback's requests share a lane by.
    public static func host(of url: String) -> String {
        guard let start = url.range(of: "://") else { return url }
        let rest = url[start.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(authority.split(separator: "@").last ?? authority).lowercased()
    }
}
