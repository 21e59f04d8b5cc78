/// What a token lets its bearer do.
public struct AccessGrant: Sendable, Equatable {
    public var tokenID: TokenID
    public var userID: UserID
    public var clientRef: ClientRecordID
    public var scopes: Set<Scope>
    /// Whether the user blocks anyone or is blocked by anyone: such viewers get lists filtered for them alone.
    public var involvedInBlocks: Bool
    /// The token's client, for signed requests: its secret and whether it enforces them (`sig`; the signed header on
    /// writes).
    public var clientSecret: String
    public var enforceSigned: Bool
    public var enforceSignedHeader: Bool

    public init(
        tokenID: TokenID,
        userID: UserID,
        clientRef: ClientRecordID,
        scopes: Set<Scope>,
        involvedInBlocks: Bool = false,
        clientSecret: String = "",
        enforceSigned: Bool = false,
        enforceSignedHeader: Bool = false
    ) {
        self.enforceSignedHeader = enforceSignedHeader
        self.tokenID = tokenID
        self.userID = userID
        self.clientRef = clientRef
        self.scopes = scopes
        self.involvedInBlocks = involvedInBlocks
        self.clientSecret = clientSecret
        self.enforceSigned = enforceSigned
    }
}
