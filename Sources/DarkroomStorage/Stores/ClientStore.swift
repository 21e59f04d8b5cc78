import DarkroomCore

/// Developer clients (apps) registered to use the API.
public struct ClientStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let changes: StoreChanges

    static let columns =
        """
        id, client_id, client_secret, name, redirect_uris, trusted, owner_id, description, website, disable_implicit, enforce_signed, \
        enforce_signed_header, strict_redirect_uri
        """

    /// What a developer sets on a client.
    public struct Settings: Sendable {
        public var name: String
        public var description: String
        public var website: String
        public var redirectURIs: [String]
        public var disableImplicit: Bool
        public var enforceSigned: Bool
        public var enforceSignedHeader: Bool
        public var strictRedirectURI: Bool

        public init(
            name: String,
            description: String = "",
            website: String = "",
            redirectURIs: [String],
            disableImplicit: Bool = false,
            enforceSigned: Bool = false,
            enforceSignedHeader: Bool = false,
            strictRedirectURI: Bool = false
        ) {
            self.enforceSignedHeader = enforceSignedHeader
            self.strictRedirectURI = strictRedirectURI
            self.name = name
            self.description = description
            self.website = website
            self.redirectURIs = redirectURIs
            self.disableImplicit = disableImplicit
            self.enforceSigned = enforceSigned
        }
    }

    /// Registers a client with a fresh 32-hex client_id and client_secret.
    public func create(name: String, redirectURIs: [String], ownerID: UserID? = nil, trusted: Bool = false) async throws -> Client {
        try await create(Settings(name: name, redirectURIs: redirectURIs), ownerID: ownerID, trusted: trusted)
    }

    /// A client the server itself uses (the API console), made the first time any process asks for it and named by
    /// `key` in `server_keys`, so every process uses the same one.
    public func firstParty(_ key: String, name: String, redirectURI: String) async throws -> Client {
        let keyName = "first-party client " + key
        if let id = try await database.query("SELECT value FROM server_keys WHERE name = \(keyName)").decodeFirst({ try $0.string() }) {
            if let client = try await find(clientID: id) { return client }
            // An operator deleted it: make another.
            try await database.execute("DELETE FROM server_keys WHERE name = \(keyName) AND value = \(id)")
        }
        let made = try await create(Settings(name: name, redirectURIs: [redirectURI]), ownerID: nil, trusted: true)
        try await database.execute("INSERT INTO server_keys (name, value) VALUES (\(keyName), \(made.clientID)) ON CONFLICT (name) DO NOTHING")
        let winner = try await database.query("SELECT value FROM server_keys WHERE name = \(keyName)").decodeFirst { try $0.string() }
        guard winner != made.clientID, let winner, let client = try await find(clientID: winner) else { return made }
        // Another process made it at the same moment: keep theirs.
        try await delete(made.ref)
        return client
    }

    /// Registers a client; with `limit`, refused (`DomainError.limitReached`) when its owner already has that many.
    public func create(_ settings: Settings, ownerID: UserID?, trusted: Bool = false, limit: Int? = nil) async throws -> Client {
        let ref = ClientRecordID(environment.ids.next())
        let engine = database.engine
        try await database.transaction { tx in
            if let limit, let ownerID {
                // Registrations by one person wait for each other here, so a burst of them cannot pass the count together.
                if engine == .postgres { try await tx.execute("SELECT id FROM users WHERE id = \(ownerID) FOR UPDATE") }
                let owned = try await tx.query("SELECT count(*) FROM clients WHERE owner_id = \(ownerID)").scalarInt() ?? 0
                guard owned < Int64(limit) else { throw DomainError.limitReached(.apps, limit: limit) }
            }
            try await tx.execute(
                """
                INSERT INTO clients (id, client_id, client_secret, owner_id, name, description, website, redirect_uris, disable_implicit,
                                     enforce_signed, enforce_signed_header, strict_redirect_uri, trusted, created_at)
                VALUES (\(ref), \(environment.randomHex(bytes: 16)), \(environment.randomHex(bytes: 16)), \(ownerID?.rawValue), \(settings.name),
                        \(settings.description), \(settings.website), \(settings.redirectURIs.joined(separator: "\n")), \(settings.disableImplicit),
                        \(settings.enforceSigned), \(settings.enforceSignedHeader), \(settings.strictRedirectURI), \(trusted),
                            \(environment.nowSeconds))
                """
            )
        }
        guard let client = try await find(ref: ref) else { throw DomainError.vanished(.client) }
        return client
    }

    public func find(clientID: String) async throws -> Client? {
        guard clientID.utf8.count <= 64 else { return nil }
        return try await database.lookup("SELECT \(raw: Self.columns) FROM clients WHERE client_id = \(clientID)").decodeFirst(Self.client)
    }

    public func find(ref: ClientRecordID) async throws -> Client? {
        try await database.lookup("SELECT \(raw: Self.columns) FROM clients WHERE id = \(ref)").decodeFirst(Self.client)
    }

    /// The clients a developer registered, newest first.
    public func owned(by owner: UserID) async throws -> [Client] {
        try await database.query("SELECT \(raw: Self.columns) FROM clients WHERE owner_id = \(owner) ORDER BY id DESC").decode(Self.client)
    }

    public func update(_ ref: ClientRecordID, with settings: Settings) async throws {
        try await database.execute(
            """
            UPDATE clients SET name = \(settings.name), description = \(settings.description), website = \(settings.website),
                   redirect_uris = \(settings.redirectURIs.joined(separator: "\n")), disable_implicit = \(settings.disableImplicit),
                   enforce_signed = \(settings.enforceSigned), enforce_signed_header = \(settings.enforceSignedHeader),
                   strict_redirect_uri = \(settings.strictRedirectURI)
             WHERE id = \(ref)
            """
        )
        await changes.grantsChanged()
    }

    /// A new secret; the old one stops working at once (signed requests, code exchange).
    public func resetSecret(_ ref: ClientRecordID) async throws {
        try await database.execute("UPDATE clients SET client_secret = \(environment.randomHex(bytes: 16)) WHERE id = \(ref)")
        await changes.grantsChanged()
    }

    /// Deletes a client with everything it holds: its tokens and codes.
    public func delete(_ ref: ClientRecordID) async throws {
        try await database.transaction { tx in
            try await tx.execute("DELETE FROM access_tokens WHERE client_ref = \(ref)")
            try await tx.execute("DELETE FROM authorization_codes WHERE client_ref = \(ref)")
            try await tx.execute("DELETE FROM notifications WHERE client_ref = \(ref)")
            try await tx.execute("DELETE FROM subscriptions WHERE client_ref = \(ref)")
            try await tx.execute("DELETE FROM clients WHERE id = \(ref)")
        }
        await changes.grantsChanged()
    }

    /// Reads `columns`.
    static func client(_ row: inout Row) throws -> Client {
        Client(
            ref: try row.id(),
            clientID: try row.string(),
            clientSecret: try row.string(),
            name: try row.string(),
            redirectURIs: try row.string().split(separator: "\n").map(String.init),
            trusted: try row.bool(),
            ownerID: try row.optionalID(),
            description: try row.string(),
            website: try row.string(),
            disableImplicit: try row.bool(),
            enforceSigned: try row.bool(),
            enforceSignedHeader: try row.bool(),
            strictRedirectURI: try row.bool()
        )
    }
}
