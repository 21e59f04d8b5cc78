import Foundation

/// Who may make an account: the operator's choice (`serve --signup-mode`, or `/admin/signups`, which wins once saved).
public struct SignupPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Anyone.
        case open
        /// Anyone may ask, giving a reason; an operator approves or rejects each request.
        case approval
        /// Only with an invitation link from an operator (or a member, when members may invite).
        case invite
        /// No one.
        case closed

        public var label: String {
            switch self {
            case .open: "Open: anyone can sign up"
            case .approval: "Approval: people ask, an operator decides"
            case .invite: "Invite only: sign-up needs an invitation link"
            case .closed: "Closed: no new accounts"
            }
        }
    }

    public var mode: Mode
    /// Whether members (not only operators) may make invitation links.
    public var membersMayInvite: Bool
    /// Whether sign-up asks for an email address (always, in approval mode: it is how the answer is told).
    public var requiresEmail: Bool
    /// Domains whose addresses are refused at sign-up and as a new address, each with its subdomains, lowercased.
    public var blockedEmailDomains: [String]

    public init(mode: Mode = .open, membersMayInvite: Bool = false, requiresEmail: Bool = false, blockedEmailDomains: [String] = []) {
        self.mode = mode
        self.membersMayInvite = membersMayInvite
        self.requiresEmail = requiresEmail
        self.blockedEmailDomains = Self.domains(blockedEmailDomains)
    }

    /// Whether an address given at sign-up must be there.
    public var asksForEmail: Bool { requiresEmail || mode == .approval }

    /// Whether `address` (validated) is of a blocked domain or one of its subdomains.
    public func blocks(email address: String) -> Bool {
        let domain = Validation.emailDomain(address).lowercased()
        return blockedEmailDomains.contains { domain == $0 || domain.hasSuffix("." + $0) }
    }

    /// Domains as an operator types them, one per line or separated by commas or spaces: lowercased, without a leading
    /// `@` or dot, duplicates and empties dropped, in order.
    public static func domains(_ lines: [String]) -> [String] {
        var seen = Set<String>()
        return lines.flatMap { $0.split(whereSeparator: { $0 == "," || $0.isWhitespace }) }
            .map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@.")) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
