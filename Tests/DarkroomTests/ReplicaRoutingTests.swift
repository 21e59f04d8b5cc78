import DarkroomCore
import Foundation
import Testing

@testable import DarkroomStorage

/// Which replica a read may use (`ReplicatedDatabase.choose`): one whose last probe is fresh and that has replayed the
/// position the reader needs; none, and the primary answers. (The cluster test runs it against real replication.)
@Suite struct ReplicaRoutingTests {
    @Test func aReadGoesOnlyToAFreshReplicaThatHasReplayedWhatItNeeds() async throws {
        let folder = NSTemporaryDirectory() + "replica-routing-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Stand-ins: the probes' answers are set by hand; SQLite has no WAL positions, so the monitor learns nothing.
        let open = { (name: String) throws -> any Database in try SQLiteDatabase(path: "\(folder)/\(name).sqlite") }
        let database = ReplicatedDatabase(primary: try open("primary"), replicas: [(try open("a"), "a"), (try open("b"), "b")])
        let (ahead, behind) = (database.replicas[0], database.replicas[1])
        ahead.probe.withLock { $0 = (replayed: 100, at: .now) }
        behind.probe.withLock { $0 = (replayed: 50, at: .now) }

        #expect((0..<6).allSatisfy { _ in database.choose(atLeast: 80) === ahead }, "only the replica past the reader's last write")
        #expect(Set((0..<6).compactMap { _ in database.choose(atLeast: 10).map { ObjectIdentifier($0) } }).count == 2, "both, taking turns")
        #expect(database.choose(atLeast: 101) == nil, "none has replayed it: the primary")
        ahead.probe.withLock { $0 = (replayed: 100, at: .now - .seconds(2)) }
        #expect(database.choose(atLeast: 80) == nil && database.choose(atLeast: 10) === behind, "a replica not heard from lately is skipped")
        #expect(ReplicatedDatabase.parsePosition("16/B374D848") == 0x16_B374_D848 && ReplicatedDatabase.parsePosition("nonsense") == nil)
        await database.close()
    }
}
