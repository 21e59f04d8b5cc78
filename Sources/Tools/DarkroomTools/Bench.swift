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

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, measured on this machine.",
        subcommands: [
            FeedBench.self, StatementBench.self, PagesBench.self, RealtimeBench.self, StreamsBench.self, WritesBench.self, PostBench.self,
            GeoBench.self, IngestBench.self, ExplainBench.self, VideoBench.self, ImportBench.self, FederationBench.self,
        ]
    )
}
