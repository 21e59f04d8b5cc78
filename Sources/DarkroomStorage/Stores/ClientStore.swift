import DarkroomCore

/// Developer clients (apps) registered to use the API.
public struct ClientStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Registers a client with a fresh 32-hex client_id and client_secret.
    public func create(name: String, redirectURIs: [String], ownerID: UserID? = nil, trusted: Bool = false) async throws -> Client {
        let ref = ClientRecordID(environment.ids.next())
        let clientID = environment.randomHex(bytes: 16)
        let secret = environment.randomHex(bytes: 16)
        try await database.execute("""
            INSERT INTO clients (id, client_id, client_secret, owner_id, name, redirect_uris, trusted, created_at)
            VALUES (\(ref), \(clientID), \(secret), \(ownerID?.rawValue), \(name), \(redirectURIs.joined(separator: "\n")), \(trusted),
                    \(environment.nowSeconds))
            """)
        return Client(ref: ref, clientID: clientID, clientSecret: secret, name: name, redirectURIs: redirectURIs, trusted: trusted)
    }

    public func find(clientID: String) async throws -> Client? {
        try await database.lookup("""
            SELECT id, client_id, client_secret, name, redirect_uris, trusted FROM clients WHERE client_id = \(clientID)
            """).first.map { row in
            Client(
                ref: row.id(0), clientID: row.string(1), clientSecret: row.string(2), name: row.string(3),
                redirectURIs: row.string(4).split(separator: "\n").map(String.init), trusted: row.bool(5))
        }
    }
}
