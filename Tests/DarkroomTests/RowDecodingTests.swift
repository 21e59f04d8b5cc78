import Testing

@testable import DarkroomStorage

/// Rows are read as a cursor beside their column lists: a wrong type or a decoder that does not match its select list
/// fails loudly instead of reading a zero.
@Suite struct RowDecodingTests {
    @Test(arguments: Engine.available)
    func typesAndWidthsAreChecked(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let rows = try await world.storage.database.query("SELECT 7, 'seven', NULL")
            let read = try rows.decodeFirst { row in (try row.int(), try row.string(), try row.optionalString()) }
            #expect(read?.0 == 7 && read?.1 == "seven" && read?.2 == nil)
            #expect(throws: DatabaseError.self) { try rows.decodeFirst { row in (try row.int(), try row.int(), try row.optionalString()) } }
            #expect(throws: DatabaseError.self) { try rows.decodeFirst { row in (try row.int(), try row.string(), try row.int()) } }
            // A decoder that stops short of the select list, or reads past it.
            #expect(throws: DatabaseError.self) { try rows.decodeFirst { row in try row.int() } }
            #expect(throws: DatabaseError.self) {
                try rows.decodeFirst { row in (try row.int(), try row.string(), try row.optionalString(), try row.optionalString()) }
            }
            #expect(try await world.storage.database.query("SELECT count(*) FROM users").scalarInt() == 0)
        }
    }
}
