/// What people may report, and why: the reasons offered on every report form and accepted by the store.
public enum ReportTarget: String, Sendable, CaseIterable {
    case media, comment, user
}

public enum ReportReason: String, Sendable, CaseIterable {
    case spam, nudity, harassment, violence, hate
    case intellectualProperty = "intellectual_property"
    case selfHarm = "self_harm"
    case other

    public var label: String {
        switch self {
        case .spam: "Spam or a scam"
        case .nudity: "Nudity or sexual content"
        case .harassment: "Bullying or harassment"
        case .violence: "Violence or threats"
        case .hate: "Hate speech"
        case .intellectualProperty: "It is mine and was posted without my permission"
        case .selfHarm: "Self-harm"
        case .other: "Something else"
        }
    }
}
