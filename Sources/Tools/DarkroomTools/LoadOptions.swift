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

/// How the wrk benchmarks load the server, the same for reads and writes.
struct LoadOptions: ParsableArguments {
    @Option(help: "Seconds per wrk run.") var duration = 15
    @Option(help: "wrk connections.") var connections = 32
    @Option(help: "Runs of each load; medians are reported.") var runs = 3
    @Option(help: "Distinct users (tokens) the load rotates over.") var viewers = 1000

    var wrk: Wrk { Wrk(connections: connections, duration: duration) }
    var description: String { "-t1 -c\(connections) -d\(duration)s, \(runs) runs after a 3 s warm-up of each, medians" }
}
