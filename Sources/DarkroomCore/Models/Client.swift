public struct Client: Sendable, Equatable {
    public var ref: ClientRecordID
    public var clientID: String
    public var clientSecret: String
    public var name: String
    public var redirectURIs: [String]
    /// May use the password grant (an operator's decision).
    public var trusted: Bool
    public var ownerID: UserID?
    public var description: String
    public var website: String
    /// Refuses `response_type=token` (the client-side flow).
    public var disableImplicit: Bool
    /// Calls with this client's tokens must carry a valid `sig`.
    public var enforceSigned: Bool
    /// Writes with this client's tokens must carry a valid `X-Insta-Forwarded-For` ("Enforce signed header", 2014).
    public var enforceSignedHeader: Bool
    /// The redirect URI must be a registered one to the letter, rather than matched as v1 did (`RedirectURI`).
    public var strictRedirectURI: Bool

    public init(
        ref: ClientRecordID,
        clientID: String,
        clientSecret: String,
        name: String,
        redirectURIs: [String],
        trusted: Bool,
        ownerID: UserID? = nil,
        description: String = "",
        website: String = "",
        disableImplicit: Bool = false,
        enforceSigned: Bool = false,
        enforceSignedHeader: Bool = false,
        strictRedirectURI: Bool = false
    ) {
        self.enforceSignedHeader = enforceSignedHeader
        self.strictRedirectURI = strictRedirectURI
        self.ref = ref
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.name = name
        self.redirectURIs = redirectURIs
        self.trusted = trusted
        self.ownerID = ownerID
        self.description = description
        self.website = website
        self.disableImplicit = disableImplicit
        self.enforceSigned = enforceSigned
    }
}
