import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (applies pending migrations first).")

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on (env DARKROOM_HOST).")
    var host: String = environment("DARKROOM_HOST") ?? "127.0.0.1"

    @Option(help: "Port to listen on (env DARKROOM_PORT).")
    var port: Int = environment("DARKROOM_PORT").flatMap(Int.init) ?? 8080

    @Option(help: "Base of every link the API returns (env DARKROOM_PUBLIC_URL; default http://HOST:PORT).")
    var publicURL: String = environment("DARKROOM_PUBLIC_URL") ?? ""

    @Option(help: "Base URL of rendition files, e.g. a CDN (env DARKROOM_MEDIA_URL; default PUBLIC_URL/media).")
    var mediaURL: String = environment("DARKROOM_MEDIA_URL") ?? ""

    @Option(help: "Largest photo upload accepted, a carousel's photos together, in MiB (env DARKROOM_MAX_UPLOAD_MB).")
    var maxUploadMB: Int = environment("DARKROOM_MAX_UPLOAD_MB").flatMap(Int.init) ?? 64

    @Option(help: "Largest archive accepted for import from the settings page, all its parts together, in GiB (env DARKROOM_MAX_ARCHIVE_GB).")
    var maxArchiveGB: Int = environment("DARKROOM_MAX_ARCHIVE_GB").flatMap(Int.init) ?? 20

    @Option(help: "Longest video taken, in seconds (env DARKROOM_VIDEO_MAX_SECONDS).")
    var videoMaxSeconds: Int = environment("DARKROOM_VIDEO_MAX_SECONDS").flatMap(Int.init) ?? 60

    @Option(help: "Largest video taken, in MiB; no more than --max-upload-mb can arrive (env DARKROOM_VIDEO_MAX_MB).")
    var videoMaxMB: Int = environment("DARKROOM_VIDEO_MAX_MB").flatMap(Int.init) ?? 64

    @Option(help: "Videos transcoded at once; 0 for one per core (env DARKROOM_VIDEO_CONCURRENCY).")
    var videoConcurrency: Int = environment("DARKROOM_VIDEO_CONCURRENCY").flatMap(Int.init) ?? 0

    @Option(help: "Seconds one video's transcode may take before it is stopped (env DARKROOM_VIDEO_TIME_LIMIT).")
    var videoTimeLimit: Int = environment("DARKROOM_VIDEO_TIME_LIMIT").flatMap(Int.init) ?? 600

    @Option(help: "Days activity (likes, comments, follows… told to each person) is kept (env DARKROOM_ACTIVITY_DAYS).")
    var activityDays: Int64 = environment("DARKROOM_ACTIVITY_DAYS").flatMap(Int64.init) ?? ActivityStore.defaultRetentionDays

    @Option(help: "Memory for rendered media-list pages reused while unchanged, in MiB; 0 keeps none (env DARKROOM_PAGE_CACHE_MB).")
    var pageCacheMB: Int = environment("DARKROOM_PAGE_CACHE_MB").flatMap(Int.init) ?? 64

    @Option(help: "Edges of the standard, low and thumbnail renditions (env DARKROOM_RENDITION_SIZES).")
    var renditionSizes: String = environment("DARKROOM_RENDITION_SIZES") ?? "612,306,150"

    @Option(help: "Photos with more pixels than this are refused from their header (env DARKROOM_MAX_PIXELS).")
    var maxPixels: Int = environment("DARKROOM_MAX_PIXELS").flatMap(Int.init) ?? 50_000_000

    @Option(help: "Calls an hour per access token (env DARKROOM_RATE_LIMIT).")
    var rateLimit: Int = environment("DARKROOM_RATE_LIMIT").flatMap(Int.init) ?? 5000

    @Option(help: "Calls an hour per client, for calls made with a client_id alone (env DARKROOM_CLIENT_RATE_LIMIT).")
    var clientRateLimit: Int = environment("DARKROOM_CLIENT_RATE_LIMIT").flatMap(Int.init) ?? 5000

    @Flag(
        help:
            """
            Per-endpoint write limits as the platform had them in 2014: likes 30/100, comments 15/60, relationships 20/60 an hour per token, \
            unsigned/signed (env DARKROOM_WRITE_LIMITS=1).
            """
    )
    var writeLimits = environment("DARKROOM_WRITE_LIMITS") == "1"

    @Option(help: "Likes and unlikes an hour per token, UNSIGNED/SIGNED (e.g. 30/100); sets that limit alone (env DARKROOM_LIKE_LIMIT).")
    var likeLimit: String = environment("DARKROOM_LIKE_LIMIT") ?? ""

    @Option(help: "Comments made or deleted an hour per token, UNSIGNED/SIGNED (env DARKROOM_COMMENT_LIMIT).")
    var commentLimit: String = environment("DARKROOM_COMMENT_LIMIT") ?? ""

    @Option(help: "Relationship changes an hour per token, UNSIGNED/SIGNED (env DARKROOM_RELATIONSHIP_LIMIT).")
    var relationshipLimit: String = environment("DARKROOM_RELATIONSHIP_LIMIT") ?? ""

    @Option(help: "Port of the metrics listener, which serves /metrics alone to whoever reaches it; 0 for none (env DARKROOM_METRICS_PORT).")
    var metricsPort: Int = environment("DARKROOM_METRICS_PORT").flatMap(Int.init) ?? 9464

    @Option(help: "Address of the metrics listener; keep it off public interfaces (env DARKROOM_METRICS_HOST).")
    var metricsHost: String = environment("DARKROOM_METRICS_HOST") ?? "127.0.0.1"

    @Option(
        help:
            """
            A file holding a token that lets /metrics be read on the public port with `Authorization: Bearer TOKEN` (or env DARKROOM_METRICS_TOKEN); \
            without one, /metrics is not on the public port.
            """
    )
    var metricsTokenFile: String?

    @Option(
        help:
            """
            A private network real-time callbacks may reach all the same, as CIDR (repeatable; env DARKROOM_ALLOW_CALLBACK_NETWORK, \
            comma-separated). By default loopback, private and other special addresses are refused.
            """
    )
    var allowCallbackNetwork: [String] = environment("DARKROOM_ALLOW_CALLBACK_NETWORK").map { $0.split(separator: ",").map(String.init) } ?? []

    @Option(
        help:
            """
            ActivityPub federation with Mastodon, Pixelfed and the rest (on or off; env DARKROOM_FEDERATION). By default on \
            only when --public-url is https.
            """
    )
    var federation: String = environment("DARKROOM_FEDERATION") ?? ""

    @Option(help: "A private network federation's requests may reach all the same, as CIDR (repeatable), for tests and intranets.")
    var allowFederationNetwork: [String] = []

    @Flag(help: "NodeInfo leaves out how many people and posts the server has.")
    var federationHideCounts = false

    @Option(help: "Activities one server may deliver to this process's inboxes in a minute; past it, 429.")
    var federationInboxLimit = 6000

    @Option(
        help:
            """
            A PostgreSQL streaming replica that reads may use (repeatable; env DARKROOM_REPLICA_URLS, comma-separated). Each \
            person's reads still see their own writes; a replica that fails or falls 5 s behind is skipped.
            """
    )
    var replicaUrl: [String] = environment("DARKROOM_REPLICA_URLS").map { $0.split(separator: ",").map(String.init) } ?? []

    @Option(help: "Seconds a real-time callback has to answer a verification or a notification, 1 to 60 (env DARKROOM_CALLBACK_TIMEOUT).")
    var callbackTimeout = environment("DARKROOM_CALLBACK_TIMEOUT").flatMap(Int.init) ?? 10

    @Option(help: "Real-time subscriptions one client may hold (env DARKROOM_MAX_SUBSCRIPTIONS).")
    var maxSubscriptions = environment("DARKROOM_MAX_SUBSCRIPTIONS").flatMap(Int.init) ?? 100

    @Option(help: "Live streams (/v1/stream) one person may hold open across all apps (env DARKROOM_MAX_STREAMS_PER_PERSON).")
    var maxStreamsPerPerson = environment("DARKROOM_MAX_STREAMS_PER_PERSON").flatMap(Int.init) ?? 8

    @Option(help: "Live streams this server holds open in all (env DARKROOM_MAX_STREAMS).")
    var maxStreams = environment("DARKROOM_MAX_STREAMS").flatMap(Int.init) ?? 10_000

    @Option(help: "Apps one person may register on /developer/clients; operators are exempt (env DARKROOM_MAX_APPS_PER_PERSON).")
    var maxAppsPerPerson = environment("DARKROOM_MAX_APPS_PER_PERSON").flatMap(Int.init) ?? 20

    @Option(
        help:
            """
            The SMTP server mail goes through: smtp://USER:PASSWORD@HOST:587 (STARTTLS) or smtps://…:465 (implicit TLS); without one, \
            mail is written to DATA/mail/ and listed by `darkroom mail list` (env DARKROOM_SMTP_URL).
            """
    )
    var smtpURL: String = environment("DARKROOM_SMTP_URL") ?? ""

    @Option(help: "A PEM file of CA certificates to trust for the SMTP server besides the system's (env DARKROOM_SMTP_CA_FILE).")
    var smtpCAFile: String = environment("DARKROOM_SMTP_CA_FILE") ?? ""

    @Option(help: "Who mail comes from: ADDRESS or \"Name <ADDRESS>\" (env DARKROOM_MAIL_FROM; default darkroom@ the public host).")
    var mailFrom: String = environment("DARKROOM_MAIL_FROM") ?? ""

    @Flag(help: "Sign-up asks for an email address; without it, the address is optional (env DARKROOM_REQUIRE_EMAIL=1).")
    var requireEmail = environment("DARKROOM_REQUIRE_EMAIL") == "1"

    @Option(
        help:
            """
            Who may sign up: open, approval (an operator approves each request in /admin/signups), invite (with an invitation link) or \
            closed (env DARKROOM_SIGNUP_MODE). Settings saved in /admin/signups take the place of these flags.
            """
    )
    var signupMode: SignupPolicy.Mode = environment("DARKROOM_SIGNUP_MODE").flatMap(SignupPolicy.Mode.init(rawValue:)) ?? .open

    @Flag(help: "Members, not only operators, may make invitation links (env DARKROOM_MEMBERS_MAY_INVITE=1).")
    var membersMayInvite = environment("DARKROOM_MEMBERS_MAY_INVITE") == "1"

    @Option(
        help: "An email domain refused at sign-up, with its subdomains (repeatable; env DARKROOM_BLOCKED_EMAIL_DOMAINS, comma-separated)."
    )
    var blockedEmailDomain: [String] = environment("DARKROOM_BLOCKED_EMAIL_DOMAINS").map { [$0] } ?? []

    @Flag(help: "Serve only; leave background jobs (fan-out of posts, notification delivery) to other server processes.")
    var noJobs = false

    @Option(help: "trace, debug, info, notice, warning, error or critical (env DARKROOM_LOG_LEVEL).")
    var logLevel: Logger.Level = environment("DARKROOM_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info

    @Option(help: "text, or json for one JSON object per line (env DARKROOM_LOG_FORMAT).")
    var logFormat: LogFormat = environment("DARKROOM_LOG_FORMAT").flatMap(LogFormat.init(rawValue:)) ?? .text

    @Flag(
        help: "Take each request's id from the X-Request-Id header a proxy in front sets; only behind such a proxy (env DARKROOM_TRUST_REQUEST_ID=1)."
    )
    var trustRequestID = environment("DARKROOM_TRUST_REQUEST_ID") == "1"

    func run() async throws {
        bootstrapLogging(level: logLevel, format: logFormat)
        let logger = Logger(label: "darkroom")
        // Before anything makes a metric: handles made earlier would stay unconnected.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(Monitoring.factory(registry: registry))
        let monitoring = try monitoring(registry)
        guard replicaUrl.isEmpty || !self.storage.databaseURL.isEmpty else {
            throw ValidationError("--replica-url needs --database-url (PostgreSQL)")
        }
        guard activityDays >= 1 else { throw ValidationError("--activity-days must be at least 1") }
        let storage = try await self.storage.open(replicaURLs: replicaUrl)
        storage.activityRetentionDays = activityDays
        for path in Storage.filesWiderThanOwner(dataDirectory: self.storage.dataDir) {
            logger.warning(
                "\(path) can be read or entered by other users of this machine; it holds secrets: chmod go-rwx it (docs/OPERATING.md, Files)"
            )
        }
        var configuration = AppConfiguration(
            host: host,
            port: port,
            publicURL: publicURL.isEmpty ? nil : publicURL,
            mediaURL: mediaURL.isEmpty ? nil : mediaURL
        )
        configuration.runsJobs = !noJobs
        configuration.monitoring = monitoring
        for network in allowCallbackNetwork where CallbackAddresses.Network(network.trimmingCharacters(in: .whitespaces)) == nil {
            throw ValidationError("--allow-callback-network \(network) is not an address or CIDR network")
        }
        configuration.callbackNetworks = allowCallbackNetwork.map { $0.trimmingCharacters(in: .whitespaces) }
        try configureFederation(&configuration, logger: logger)
        guard (1...60).contains(callbackTimeout) else { throw ValidationError("--callback-timeout must be 1 to 60 seconds") }
        configuration.callbackTimeout = .seconds(callbackTimeout)
        guard maxSubscriptions >= 1 else { throw ValidationError("--max-subscriptions must be at least 1") }
        configuration.subscriptionLimit = maxSubscriptions
        guard maxStreamsPerPerson >= 1, maxStreams >= 1, maxAppsPerPerson >= 1 else {
            throw ValidationError("--max-streams-per-person, --max-streams and --max-apps-per-person must be at least 1")
        }
        configuration.streamLimits = StreamLimits(perPerson: maxStreamsPerPerson, perServer: maxStreams)
        configuration.appsPerPerson = maxAppsPerPerson
        configuration.trustsRequestID = trustRequestID
        configuration.mail = try mailSettings()
        configuration.signups = SignupPolicy(
            mode: signupMode,
            membersMayInvite: membersMayInvite,
            requiresEmail: requireEmail,
            blockedEmailDomains: blockedEmailDomain
        )
        configuration.uploadLimit = maxUploadMB * 1024 * 1024
        configuration.archiveLimit = Int64(maxArchiveGB) << 30
        guard videoMaxSeconds > 0, videoMaxMB > 0, videoTimeLimit > 0, videoConcurrency >= 0 else {
            throw ValidationError("video limits must be positive")
        }
        configuration.videos.maxSeconds = videoMaxSeconds
        configuration.videos.maxBytes = videoMaxMB * 1024 * 1024
        configuration.videos.timeLimitSeconds = videoTimeLimit
        if videoConcurrency > 0 { configuration.videos.concurrency = videoConcurrency }
        guard pageCacheMB >= 0 else { throw ValidationError("--page-cache-mb must not be negative") }
        configuration.pageCacheBytes = pageCacheMB * 1024 * 1024
        guard rateLimit > 0, clientRateLimit > 0 else { throw ValidationError("rate limits must be positive") }
        configuration.rateLimitPerToken = rateLimit
        configuration.rateLimitPerClient = clientRateLimit
        configuration.writeLimits = writeLimits ? .platform2014 : WriteLimits()
        for (kind, text, flag) in [
            (WriteLimits.Kind.likes, likeLimit, "--like-limit"), (.comments, commentLimit, "--comment-limit"),
            (.relationships, relationshipLimit, "--relationship-limit"),
        ] where !text.isEmpty {
            let numbers = text.split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 2, numbers.allSatisfy({ $0 > 0 }) else { throw ValidationError("\(flag) takes UNSIGNED/SIGNED, e.g. 30/100") }
            configuration.writeLimits[kind] = WriteLimits.Limit(unsigned: numbers[0], signed: numbers[1])
        }
        let sizes = renditionSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count == 3, sizes.allSatisfy({ (16...4096).contains($0) }), sizes == sizes.sorted(by: >) else {
            throw ValidationError("--rendition-sizes takes three edges from largest to smallest, e.g. 612,306,150")
        }
        (configuration.images.standard, configuration.images.low, configuration.images.thumbnail) = (sizes[0], sizes[1], sizes[2])
        configuration.images.maxPixels = maxPixels
        let displayName = storage.database.displayName
        let links = configuration.publicURL
        let app = try buildApplication(configuration: configuration, storage: storage, logger: logger) { port in
            logger.notice("Darkroom listening on http://\(host):\(port) (links use \(links)); database: \(displayName)")
            if let listener = monitoring.listener { logger.notice("Metrics at http://\(listener.host):\(listener.port)/metrics") }
        }
        // Stops on SIGINT or SIGTERM: open requests finish, then the database closes.
        try await app.runService()
        await storage.database.close()
    }
}

extension Serve {
    private func configureFederation(_ configuration: inout AppConfiguration, logger: Logger) throws {
        switch federation.lowercased() {
        case "": configuration.federationEnabled = nil
        case "on": configuration.federationEnabled = true
        case "off": configuration.federationEnabled = false
        default: throw ValidationError("--federation takes on or off")
        }
        for network in allowFederationNetwork where CallbackAddresses.Network(network) == nil {
            throw ValidationError("--allow-federation-network \(network) is not an address or CIDR network")
        }
        configuration.federationNetworks = allowFederationNetwork
        configuration.federationHidesCounts = federationHideCounts
        guard federationInboxLimit >= 1 else { throw ValidationError("--federation-inbox-limit must be at least 1") }
        configuration.federationInboxLimit = federationInboxLimit
        let isHTTPS = configuration.publicURL.lowercased().hasPrefix("https://")
        if configuration.federationEnabled == nil && !isHTTPS {
            logger.notice("Federation is off: the public URL \(configuration.publicURL) is not https (--federation on to turn it on anyway)")
        } else if configuration.federationEnabled == true && !isHTTPS {
            logger.warning("Federation is on with a plain-http public URL: most servers will not talk to it")
        }
    }

    private func mailSettings() throws -> MailSettings {
        var settings = MailSettings()
        if !mailFrom.isEmpty {
            do {
                settings.sender = try MailSender(parsing: mailFrom)
            } catch {
                throw ValidationError("--mail-from \(mailFrom) is not an address or \"Name <address>\"")
            }
        }
        if !smtpURL.isEmpty {
            do {
                settings.smtp = try SMTPSettings(url: smtpURL, trustedCertificates: smtpCAFile.isEmpty ? nil : smtpCAFile)
            } catch {
                throw ValidationError(error.description)
            }
        }
        guard smtpCAFile.isEmpty || FileManager.default.isReadableFile(atPath: smtpCAFile) else {
            throw ValidationError("cannot read --smtp-ca-file \(smtpCAFile)")
        }
        return settings
    }

    private func monitoring(_ registry: PrometheusCollectorRegistry) throws -> Monitoring {
        guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be a port number, or 0 for none") }
        var token = environment("DARKROOM_METRICS_TOKEN")
        if let metricsTokenFile {
            guard let text = try? String(contentsOfFile: metricsTokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read --metrics-token-file \(metricsTokenFile)")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if token?.isEmpty == true { token = nil }
        // A short token could be guessed; refusing it is kinder than exposing the figures.
        if let token, token.count < 16 { throw ValidationError("the metrics token must be at least 16 characters") }
        return Monitoring(registry: registry, publicToken: token, listener: metricsPort == 0 ? nil : (metricsHost, metricsPort))
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations.")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await withStorage(storage, migrate: false) { opened in
            do {
                let applied = try await Migrator(database: opened.database).migrate(nowSeconds: opened.environment.nowSeconds)
                try printJSON(["database": opened.database.displayName, "applied": applied, "version": Migrator.latestVersion])
            } catch let error as DatabaseError {
                throw ValidationError(error.description)
            }
        }
    }
}

extension SignupPolicy.Mode: ExpressibleByArgument {}
