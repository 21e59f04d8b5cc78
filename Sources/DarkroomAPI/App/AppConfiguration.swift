import DarkroomCore
import DarkroomImaging
import Hummingbird
import NIOCore

/// How a server is set up. The `darkroom serve` options and their environment variables fill it.
public struct AppConfiguration: Sendable {
    /// Address to listen on (`--host`, `DARKROOM_HOST`; default 127.0.0.1).
    public var host: String
    /// Port to listen on (`--port`, `DARKROOM_PORT`; default 8080; 0 picks a free one).
    public var port: Int
    /// The base of every link the API returns (`--public-url`, `DARKROOM_PUBLIC_URL`; default http://HOST:PORT).
    public var publicURL: String
    /// Where rendition files are linked from, e.g. a CDN (`--media-url`, `DARKROOM_MEDIA_URL`; default PUBLIC_URL/media).
    public var mediaURL: String?
    /// Whether this server also runs background jobs (`--no-jobs` turns it off, for a process that only serves).
    public var runsJobs: Bool = true
    /// Rendition sizes, pixel limit and JPEG quality of ingest.
    public var images = ImageSettings()
    /// Video limits, sizes and how many are transcoded at once (`--video-max-seconds`, `--video-max-mb`,
    /// `--video-concurrency`, `--video-time-limit`).
    public var videos = VideoSettings()
    /// The largest upload accepted, all of a carousel's photos together (`--max-upload-mb`, `DARKROOM_MAX_UPLOAD_MB`;
    /// default 64 MiB); larger gets 413.
    public var uploadLimit = 64 * 1024 * 1024
    /// The largest archive accepted for import through the settings page, all its parts together
    /// (`--max-archive-gb`; default 20 GiB). It is streamed to disk, never held in memory.
    public var archiveLimit: Int64 = 20 << 30
    /// Photos in process at once, working or waiting, before more get 503 (default 4 per core).
    public var ingestCapacity: Int?
    /// Bytes of photo bodies being received at once, before more get 503 (default 160 MiB: a few dozen phone photos,
    /// more than two cores can decode).
    public var bodyBudget = 160 * 1024 * 1024
    /// Calls an hour per access token (`--rate-limit`, `DARKROOM_RATE_LIMIT`; default 5,000).
    public var rateLimitPerToken = 5000
    /// Calls an hour per client for calls with a client_id alone (`--client-rate-limit`; default 5,000).
    public var rateLimitPerClient = 5000
    /// Per-endpoint write limits per token and hour (reference decision 9, §1.9); none by default.
    public var writeLimits = WriteLimits()
    /// How often each process adds its counts to the shared ones in the database (zero: on every call).
    public var rateLimitSync: Duration = .seconds(5)
    /// Bytes of rendered media-list pages kept for reuse while unchanged (`--page-cache-mb`; default 64 MiB; 0 keeps none).
    public var pageCacheBytes = 64 * 1024 * 1024
    /// Metrics (`/metrics`) and where they are served; nil for none (swift-metrics then goes wherever the process
    /// bootstrapped it, by default nowhere).
    public var monitoring: Monitoring?
    /// Private networks real-time callbacks may reach all the same (`--allow-callback-network CIDR`, repeatable;
    /// `DARKROOM_ALLOW_CALLBACK_NETWORK`, comma-separated): by default none — loopback, private and other special
    /// addresses are refused.
    public var callbackNetworks: [String] = []
    /// How long a callback has to answer a verification or a notification (`--callback-timeout`; default 10 s).
    public var callbackTimeout: Duration = .seconds(10)
    /// Real-time subscriptions a client may hold (`--max-subscriptions`; default 100).
    public var subscriptionLimit = 100
    /// Live streams (`/v1/stream`) one person may hold open across all apps, and the server may hold in all
    /// (`--max-streams-per-person`, `--max-streams`); past either, 429.
    public var streamLimits = StreamLimits()
    /// Apps one person may register on `/developer/clients` (`--max-apps-per-person`; default 20); operators are exempt.
    public var appsPerPerson = 20
    /// Where mail goes (`--smtp-url`, `--mail-from`); without an SMTP server, into `DATA/mail/`.
    public var mail = MailSettings()
    /// Who may sign up (`--signup-mode`, `--members-may-invite`, `--require-email`, `--blocked-email-domain`): the
    /// defaults, until operators save their own in `/admin/signups`.
    public var signups = SignupPolicy()
    /// ActivityPub (`--federation on|off`, `--allow-federation-network`, `--federation-hide-counts`): off unless the
    /// public URL is https or the operator turns it on.
    public var federationEnabled: Bool?
    public var federationNetworks: [String] = []
    public var federationHidesCounts = false
    public var federationInboxLimit = 6000
    /// Take each request's id from the `X-Request-Id` a proxy in front sent (only behind a proxy that sets it).
    public var trustsRequestID = false

    public init(host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, mediaURL: String? = nil) {
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.mediaURL = mediaURL
    }
}
