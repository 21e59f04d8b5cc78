import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The viewers the read and write benchmarks act as: users who follow a moderate number of accounts, so their feeds
/// are typical, each with a token of its own.
enum BenchViewers {
    static func tokens(in storage: Storage, count: Int, follows: ClosedRange<Int>, scopes: Set<Scope>) async throws -> [String] {
        try await viewers(in: storage, count: count, follows: follows, scopes: scopes).map(\.token)
    }

    static func viewers(
        in storage: Storage,
        count: Int,
        follows: ClosedRange<Int>,
        scopes: Set<Scope>
    ) async throws -> [(id: UserID, token: String)] {
        let viewerIDs = try await storage.database.query(
            """
            SELECT id FROM users WHERE follows_count BETWEEN \(follows.lowerBound) AND \(follows.upperBound) ORDER BY id LIMIT \(count)
            """
        ).decode { try $0.id(UserID.self) }
        guard !viewerIDs.isEmpty else { throw ValidationError("no users to benchmark with: run `darkroom seed` first") }
        let client = try await storage.clients.create(name: "darkroom bench", redirectURIs: ["http://localhost/bench"])
        var viewers: [(id: UserID, token: String)] = []
        for viewer in viewerIDs { viewers.append((viewer, try await storage.tokens.create(userID: viewer, client: client, scopes: scopes))) }
        return viewers
    }

    static func feedScript(tokens: [String]) -> String {
        """
        local tokens = {\(luaList(tokens))}
        local i = 0
        request = function()
          i = i + 1
          return wrk.format("GET", "/v1/users/self/feed?access_token=" .. tokens[(i % #tokens) + 1])
        end
        """
    }
}
