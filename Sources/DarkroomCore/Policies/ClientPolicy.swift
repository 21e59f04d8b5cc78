/// API clients (apps): managing one — its settings, secret, deletion — is for the user who registered it.
public enum ClientPolicy {
    public enum Action: Sendable, CaseIterable {
        case manage
    }

    public static func check(_ action: Action, actor: UserID, owner: UserID?) throws(DomainError) {
        switch action {
        case .manage:
            guard actor == owner else { throw .notAllowed(.manageClient) }
        }
    }
}
