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

/// `pgbench -S -M prepared`: PostgreSQL answering one prepared primary-key SELECT per transaction, as fast as it can,
/// from a client on this machine — the most any server could get from it for one statement per request. Runs in a
/// database of its own beside Darkroom's (`<name>_pgbench`, made and initialized once at scale 10).
enum PgbenchCeiling {
    static func measure(databaseURL: String, connections: Int, seconds: Int) async throws -> [String: Any] {
        guard let (libpq, password) = PostgresTools.libpq(databaseURL),
            let slash = libpq.range(of: "/", options: .backwards, range: libpq.range(of: "://")!.upperBound..<libpq.endIndex)
        else { throw ValidationError("cannot read \(databaseURL)") }
        let query = libpq[slash.upperBound...].firstIndex(of: "?").map { String(libpq[$0...]) } ?? ""
        let name = String(libpq[slash.upperBound...].prefix { $0 != "?" }) + "_pgbench"
        let benchURL = String(libpq[..<slash.upperBound]) + name + query
        let admin = try PostgresDatabase(url: databaseURL.split(separator: "?")[0].description, maximumConnections: 1)
        let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = \(name)").count > 0
        if !exists { try await admin.execute(SQL(stringLiteral: "CREATE DATABASE \(name)")) }
        await admin.close()
        if !exists { try await PostgresTools.run("pgbench", ["-i", "-q", "-s", "10", benchURL], password: password) }
        let output = try await PostgresTools.run(
            "pgbench",
            ["-S", "-M", "prepared", "-n", "-c", String(connections), "-j", "1", "-T", String(seconds), benchURL],
            password: password,
            timeout: .seconds(seconds + 30)
        )
        let tps =
            output.split(separator: "\n").first { $0.hasPrefix("tps = ") }
            .flatMap { Double($0.dropFirst("tps = ".count).prefix { $0 != " " }) } ?? 0
        return [
            "command": "pgbench -S -M prepared -n -c \(connections) -j 1 -T \(seconds) (scale 10, database \(name))",
            "transactions_per_second": tps,
        ]
    }
}
