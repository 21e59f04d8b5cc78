/// OAuth scopes of the 2013 platform, plus Darkroom's `upload`.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case basic, comments, relationships, likes, upload

    public static func < (lhs: Scope, rhs: Scope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a space- or plus-separated scope list. Later scope names are aliases of `basic`; `basic` is always granted.
    public static func parseList(_ text: String) -> (scopes: Set<Scope>, unknown: [String]) {
        var scopes: Set<Scope> = [.basic]
        var unknown: [String] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "+" || $0 == "," }) {
            switch word {
            case "public_content", "follower_list": scopes.insert(.basic)
            default:
                if let scope = Scope(rawValue: String(word)) { scopes.insert(scope) } else { unknown.append(String(word)) }
            }
        }
        return (scopes, unknown)
    }

    public static func render(_ scopes: Set<Scope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: " ")
    }
}
