/// Runs statements. Both engines implement it; a transaction hands its body one of these bound to its connection.
public protocol SQLExecutor: Sendable {
    func query(_ sql: SQL) async throws -> [Row]
    /// A read that touches a handful of rows by key (a token by its hash, a page of a feed). SQLite answers it on the
    /// calling thread, since handing a few microseconds of work to another thread costs more than the work.
    func lookup(_ sql: SQL) async throws -> [Row]
    /// Runs a statement for its effect. (To learn which rows changed, `query` it with `RETURNING`.)
    func execute(_ sql: SQL) async throws
}

extension SQLExecutor {
    public func lookup(_ sql: SQL) async throws -> [Row] { try await query(sql) }
}
