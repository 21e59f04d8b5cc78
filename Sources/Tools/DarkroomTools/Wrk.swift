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

/// wrk with one thread (the server has the other core) and the given connections.
struct Wrk {
    var connections: Int
    var duration: Int

    func run(_ arguments: [String], seconds: Int? = nil) async throws -> WrkResult {
        let seconds = seconds ?? duration
        let cpuBefore = processCPUSeconds()
        let output = String(
            decoding: try await shellOnOwnThread("wrk", ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency"] + arguments),
            as: UTF8.self
        )
        var result = WrkResult(requestsPerSecond: 0, p50: 0, p99: 0)
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", fields.count > 1 { result.requestsPerSecond = Double(fields[1]) ?? 0 }
            if fields.first == "50%", fields.count > 1 { result.p50 = milliseconds(fields[1]) }
            if fields.first == "99%", fields.count > 1 { result.p99 = milliseconds(fields[1]) }
            if line.contains("Non-2xx"), let count = fields.last.flatMap({ Int($0) }) { result.failures = count }
        }
        let requests = result.requestsPerSecond * Double(seconds)
        if requests > 0 { result.serverMicrosecondsPerRequest = (processCPUSeconds() - cpuBefore) / requests * 1e6 }
        return result
    }

    private func milliseconds(_ text: Substring) -> Double {
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? 0) * scale
        }
        return 0
    }
}

/// User plus system CPU time of this process so far, in seconds.
func processCPUSeconds() -> Double { cpuSeconds(RUSAGE_SELF) }

/// User plus system CPU time so far of this process (`RUSAGE_SELF`) or of its children it has waited for
/// (`RUSAGE_CHILDREN`), in seconds.
func cpuSeconds(_ who: __rusage_who) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func machineDescription() -> String {
    let cpu =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
}

/// `shell` on a thread of its own: waiting on one of the few threads that run the server's tasks would take that
/// thread from the server being measured.
func shellOnOwnThread(_ tool: String, _ arguments: [String]) async throws -> Data {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try shell(tool, arguments) }) }.start()
    }
}

/// Runs a tool found on PATH and answers its standard output; fails with its standard error.
func shell(_ tool: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ValidationError("\(tool) failed (\(process.terminationStatus)): \(String(decoding: errorData, as: UTF8.self))")
    }
    return data
}

struct WrkResult {
    var requestsPerSecond: Double
    var p50: Double
    var p99: Double
    /// CPU time this process (the server) spent per request, in microseconds: steadier than rates on a noisy machine.
    var serverMicrosecondsPerRequest: Double = 0
    /// Answers other than 2xx or 3xx: a benchmark whose calls fail measures nothing, so they are reported.
    var failures = 0

    static func summary(_ results: [WrkResult]) -> [String: Any] {
        [
            "requests_per_second": Int(median(results.map(\.requestsPerSecond))), "p50_ms": median(results.map(\.p50)),
            "p99_ms": median(results.map(\.p99)), "server_cpu_us_per_request": median(results.map(\.serverMicrosecondsPerRequest)).rounded(),
            "failed_requests": results.map(\.failures).reduce(0, +),
        ]
    }

    static func ratios(_ results: [WrkResult], to reference: [WrkResult]) -> [Double] {
        zip(results, reference).map { ($0.requestsPerSecond / $1.requestsPerSecond * 1000).rounded() / 1000 }
    }

    static func medianRatio(_ results: [WrkResult], to reference: [WrkResult]) -> Double {
        median(ratios(results, to: reference))
    }
}
