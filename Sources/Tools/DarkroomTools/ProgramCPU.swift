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

/// CPU time of every program on the machine, summed by name (`darkroom`, `postgres`, `haproxy`, `wrk`), from
/// /proc: where a deployment's time goes when all of it runs on one machine. This process (the benchmark's driver,
/// idle while wrk runs) is left out; wrk, its child, is counted once it has ended.
enum ProgramCPU {
    static func snapshot() -> [String: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let me = ProcessInfo.processInfo.processIdentifier
        var seconds: [String: Double] = [:]
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        for pid in pids where pid != me {
            // /proc/PID/stat: "pid (comm) state …"; utime and stime are the 12th and 13th fields after the comm.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            seconds[name, default: 0] += (user + system) / ticks
        }
        // wrk has ended by the second snapshot: its time is this process's children's.
        var children = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        seconds["wrk", default: 0] +=
            Double(children.ru_utime.tv_sec + children.ru_stime.tv_sec)
            + Double(children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1e6
        return seconds
    }

    /// Per-request CPU of the programs that did work between two snapshots (processes that ended meanwhile are not
    /// counted; a deployment's processes live through the run).
    static func microsecondsPerRequest(from before: [String: Double], to after: [String: Double], requests: Double) -> [String: Double] {
        guard requests > 0 else { return [:] }
        var result: [String: Double] = [:]
        for (name, seconds) in after {
            let used = seconds - (before[name] ?? 0)
            if used * 1e6 / requests >= 1 { result[name] = (used * 1e6 / requests).rounded() }
        }
        return result
    }
}
