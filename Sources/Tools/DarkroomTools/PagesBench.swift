import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The pages bar: a profile page with its 24-photo grid, the home feed page and explore, as signed-in people load them,
/// against the same ready-made body `bench feed` uses as its ceiling, on the same server, in the same run.
struct PagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pages",
        abstract: "Measure the profile page (24-photo grid), the home feed page and explore against a ready-made body with wrk; prints the ratios."
    )

    @OptionGroup var storage: StorageOptions
    @OptionGroup var measuring: LoadOptions

    func run() async throws {
        let monitoring = bootstrapAsServeDoes()
        try await storage.withStorage { opened in
            let viewers = try await BenchViewers.viewers(in: opened, count: measuring.viewers, follows: 10...1000, scopes: [.basic])
            var started: [String] = []
            for viewer in viewers { started.append(try await opened.sessions.start(for: viewer.id)) }
            let sessions = started
            let profiles = try await opened.database.query(
                """
                SELECT username FROM users WHERE media_count >= 24 AND is_private = 0 AND suspended_at IS NULL ORDER BY id LIMIT \(measuring.viewers)
                """
            ).decode { try $0.string() }
            guard !profiles.isEmpty else { throw ValidationError("no public account with 24 photos: run `darkroom seed` first") }
            let wrk = measuring.wrk

            let ceiling = Mutex(ByteBuffer())
            var configuration = AppConfiguration(port: 0)
            configuration.monitoring = monitoring
            try await withBenchServer(
                configuration: configuration,
                storage: opened,
                routes: [AdditionalRoute(path: "/bench/ready") { ceiling.withLock { $0 } }]
            ) { base in
                let page = try await shellOnOwnThread("curl", ["-sf", "\(base)/v1/users/self/feed?access_token=\(viewers[0].token)"])
                ceiling.withLock { $0 = ByteBuffer(bytes: page) }
                let profileBytes = try await shellOnOwnThread("curl", ["-sf", "-b", "darkroom_session=\(sessions[0])", "\(base)/\(profiles[0])/"])
                let feedBytes = try await shellOnOwnThread("curl", ["-sf", "-b", "darkroom_session=\(sessions[0])", "\(base)/"])
                let explorePath = "/explore/"
                let exploreBytes = try await shellOnOwnThread("curl", ["-sf", "-b", "darkroom_session=\(sessions[0])", "\(base)\(explorePath)"])
                let loads = [
                    try BenchLoad(name: "profile", script: Self.script(sessions: sessions, paths: profiles.map { "/\($0)/" }), path: "/"),
                    try BenchLoad(name: "feed-page", script: Self.script(sessions: sessions, paths: ["/"]), path: "/"),
                    try BenchLoad(name: "explore", script: Self.script(sessions: sessions, paths: [explorePath]), path: "/"),
                ]
                defer { for load in loads { load.remove() } }

                _ = try await wrk.run(["\(base)/bench/ready"], seconds: 3)
                // Explore keeps each person's suggestions for ten minutes, and the first visit finds them (20-35 ms on the
                // seeded data): its warm-up lasts until most of the viewers have been once, so that the runs measure
                // visits after the first, as the other pages' do.
                for load in loads { _ = try await wrk.run(load.arguments(base), seconds: load.name == "explore" ? 25 : 3) }
                var ready: [WrkResult] = []
                var pages: [[WrkResult]] = loads.map { _ in [] }
                for run in 1...measuring.runs {
                    ready.append(try await wrk.run(["\(base)/bench/ready"]))
                    for (index, load) in loads.enumerated() { pages[index].append(try await wrk.run(load.arguments(base))) }
                    let rates = zip(loads, pages).map { "\($0.name) \(Int($1.last!.requestsPerSecond))" }.joined(separator: ", ")
                    FileHandle.standardError.write(Data("run \(run): ready \(Int(ready.last!.requestsPerSecond)) req/s, \(rates) req/s\n".utf8))
                }
                let (profile, feed, explore) = (pages[0], pages[1], pages[2])
                try printJSON([
                    "machine": machineDescription(),
                    "database": opened.database.displayName,
                    "ready_body_bytes": page.count, "profile_page_bytes": profileBytes.count, "feed_page_bytes": feedBytes.count,
                    "explore_page_bytes": exploreBytes.count,
                    "viewers": sessions.count, "profiles": profiles.count,
                    "wrk": measuring.description,
                    "ready_body": WrkResult.summary(ready),
                    "profile_page": WrkResult.summary(profile),
                    "feed_page": WrkResult.summary(feed),
                    "explore_page": WrkResult.summary(explore),
                    "ratio_profile_to_ready": WrkResult.medianRatio(profile, to: ready),
                    "ratio_feed_page_to_ready": WrkResult.medianRatio(feed, to: ready),
                    "ratio_explore_to_ready": WrkResult.medianRatio(explore, to: ready),
                    "ratios_of_each_run": [
                        "profile": WrkResult.ratios(profile, to: ready), "feed_page": WrkResult.ratios(feed, to: ready),
                        "explore": WrkResult.ratios(explore, to: ready),
                    ],
                    "bar": "each page must reach 0.3 of the ready-body rate",
                ])
            }
        }
    }

    /// Each request as the next signed-in viewer, for the next path, with the cookies a browser keeps (its session and
    /// the CSRF value pages set on the first visit).
    static func script(sessions: [String], paths: [String]) -> String {
        """
        local sessions = {\(luaList(sessions))}
        local paths = {\(luaList(paths))}
        local i = 0
        request = function()
          i = i + 1
          local cookie = "darkroom_session=" .. sessions[(i % #sessions) + 1] .. "; darkroom_csrf=\(String(repeating: "c", count: 64))"
          return wrk.format("GET", paths[(i % #paths) + 1], {["Cookie"] = cookie})
        end
        """
    }
}
