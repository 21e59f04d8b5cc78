import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DarkroomStorage

/// `/health` and `/ready`, as a load balancer sees them.
@Suite struct HealthTests {
    struct Answer: Decodable {
        var status: String
        var checks: [String: String]?
    }

    private func ask(_ client: any TestClientProtocol, _ path: String) async throws -> (status: HTTPResponse.Status, answer: Answer) {
        try await client.execute(uri: path, method: .get) { response in
            (response.status, try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body)))
        }
    }

    @Test(arguments: Engine.available)
    func readyChecksTheDatabaseItsSchemaAndTheMediaStore(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let health = try await ask(client, "/health")
                #expect(health.status == .ok && health.answer.status == "ok")
                let ready = try await ask(client, "/ready")
                #expect(ready.status == .ok)
                #expect(ready.answer.status == "ready")
                #expect(ready.answer.checks == ["database": "ok", "schema": "ok", "media_store": "ok"])

                // A schema this build did not write: not ready, and the check says why.
                try await world.storage.database.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)")
                let ahead = try await ask(client, "/ready")
                #expect(ahead.status == .serviceUnavailable)
                #expect(ahead.answer.status == "not ready")
                #expect(ahead.answer.checks?["schema"] == "at version 999; this build expects \(Migrator.latestVersion)")
                #expect(ahead.answer.checks?["database"] == "ok")
                try await world.storage.database.execute("DELETE FROM schema_migrations WHERE version = 999")

                // A media folder files cannot be created in (a file where the folder should be; root ignores modes).
                let root = world.storage.files.root
                try FileManager.default.moveItem(atPath: root, toPath: root + ".moved")
                #expect(FileManager.default.createFile(atPath: root, contents: Data()))
                let unwritable = try await ask(client, "/ready")
                #expect(unwritable.status == .serviceUnavailable)
                #expect(unwritable.answer.checks?["media_store"] == "not writable")
                #expect(try await ask(client, "/health").status == .ok)
                try FileManager.default.removeItem(atPath: root)
                try FileManager.default.moveItem(atPath: root + ".moved", toPath: root)
                #expect(try await ask(client, "/ready").status == .ok)
            }
        }
    }
}
