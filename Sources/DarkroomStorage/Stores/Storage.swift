import DarkroomCore
import Logging
import Synchronization

/// The stores over one open database: what the rest of Darkroom uses to read and write.
public final class Storage: Sendable {
    public let database: any Database
    public let environment: SystemEnvironment
    /// Renditions and profile pictures, in the data directory whichever engine holds the rows.
    public let files: MediaFiles
    /// Uploaded photos as they were sent, outside the served folder.
    public let originals: OriginalFiles
    /// What stores announce after their writes, for the caches (`Caches/`).
    let changes: StoreChanges
    /// Signs the URLs of private accounts' photos; the same in every process on this database (`server_keys`).
    public let mediaURLKey: String

    public let users: UserStore
    public let media: MediaStore
    /// The home feed, through its caches.
    public let feed: CachedFeed
    /// What a token grants, through the cache every request uses.
    public let grants: GrantCache
    public let clients: ClientStore
    public let tokens: TokenStore
    public let codes: AuthorizationCodeStore
    public let sessions: SessionStore
    /// Single-use links mailed to people (verifying an address, resetting a password).
    public let accountTokens: AccountTokens
    public let securityLog: SecurityLog
    public let twoFactor: TwoFactorStore
    public let passkeys: PasskeyStore
    public let signups: SignupStore
    public let rateLimits: RateLimitStore
    public let relationships: RelationshipStore
    public let mediaWriter: MediaWriter
    /// Video uploads while they are transcoded.
    public let videoUploads: VideoUploads
    /// Archives brought into accounts, and the posts they hold for review.
    public let archiveImports: ArchiveImports
    /// Rung when feed entries or notifications are written, for this process's live streams.
    public let live: LiveSignal
    public let likes: LikeStore
    public let activity: ActivityStore
    /// How long activity is kept, in days (the upkeep job prunes what is older); `darkroom serve --activity-days`.
    public var activityRetentionDays: Int64 {
        get { retentionDays.load(ordering: .relaxed) }
        set { retentionDays.store(newValue, ordering: .relaxed) }
    }
    private let retentionDays = Atomic<Int64>(ActivityStore.defaultRetentionDays)
    public let locations: LocationStore
    public let tags: TagStore
    public let explore: ExploreStore
    /// Explore's public lists and suggestions, through their cache.
    public let exploreLists: CachedExplore
    /// The one queue of background work (`Jobs/`).
    public let jobs: JobQueue
    public let comments: CommentStore
    public let operators: OperatorStore
    public let dataExports: DataExports
    public let subscriptions: SubscriptionStore
    public let notifications: NotificationOutbox
    /// ActivityPub: keys, remote actors, domain policies, and what waits to be delivered to other servers.
    public let federation: FederationStore
    public let federationOutbox: FederationOutbox
    /// On in a server that federates (`darkroom serve` with federation on).
    public let federationSwitch = FederationSwitch()
    public let liveEvents: LiveEvents
    public let reports: ReportStore
    public let moderation: ModerationStore

    // Use cases (`UseCases/`): what coordinates several stores, files and jobs, each in one transaction.
    public let deleteMedia: DeleteMedia
    public let deleteAccount: DeleteAccount
    public let suspendAccount: SuspendAccount
    public let setDomainPolicy: SetDomainPolicy
    public let removeComment: RemoveComment
    public let settleReport: SettleReport
    public let changeEmail: ChangeEmail
    public let changePassword: ChangePassword
    public let signUp: SignUp
    public let decideSignup: DecideSignup

    /// Builds every store once over the database, and the caches in front of them; they share this process's signals.
    public init(database: any Database, environment: SystemEnvironment, files: MediaFiles, mediaURLKey: String = "", tokenSeal: TokenSeal? = nil) {
        self.mediaURLKey = mediaURLKey
        self.database = database
        self.environment = environment
        self.files = files
        originals = OriginalFiles(dataDirectory: files.dataDirectory, environment: environment)
        let changes = StoreChanges(database: database)
        let live = LiveSignal()
        let jobs = JobQueue(database: database, environment: environment, doorbell: Doorbell())
        let mediaWriter = MediaWriter(database: database, environment: environment, changes: changes, jobs: jobs, live: live)
        self.changes = changes
        self.live = live
        self.jobs = jobs
        self.mediaWriter = mediaWriter
        videoUploads = VideoUploads(database: database, environment: environment, jobs: jobs)
        archiveImports = ArchiveImports(database: database, environment: environment, jobs: jobs, files: files, writer: mediaWriter)
        users = UserStore(database: database, environment: environment, jobs: jobs)
        media = MediaStore(database: database, environment: environment)
        clients = ClientStore(database: database, environment: environment, changes: changes)
        tokens = TokenStore(database: database, environment: environment, changes: changes, seal: tokenSeal)
        codes = AuthorizationCodeStore(database: database, environment: environment, changes: changes, tokens: tokens)
        sessions = SessionStore(database: database, environment: environment)
        let accountTokens = AccountTokens(database: database, environment: environment)
        let securityLog = SecurityLog(database: database, environment: environment)
        self.accountTokens = accountTokens
        self.securityLog = securityLog
        twoFactor = TwoFactorStore(database: database, environment: environment, log: securityLog)
        passkeys = PasskeyStore(database: database, environment: environment, log: securityLog)
        let signups = SignupStore(database: database, environment: environment)
        self.signups = signups
        rateLimits = RateLimitStore(database: database)
        relationships = RelationshipStore(
            database: database,
            environment: environment,
            changes: changes,
            live: live,
            jobs: jobs,
            federation: federationSwitch
        )
        likes = LikeStore(database: database, environment: environment, live: live, jobs: jobs, federation: federationSwitch)
        activity = ActivityStore(database: database, environment: environment)
        locations = LocationStore(database: database, environment: environment)
        tags = TagStore(database: database)
        explore = ExploreStore(database: database, environment: environment)
        exploreLists = CachedExplore(explore: explore, media: media, changes: changes, clock: environment.nowMilliseconds)
        comments = CommentStore(database: database, environment: environment, live: live, jobs: jobs, federation: federationSwitch)
        operators = OperatorStore(database: database, environment: environment, changes: changes)
        dataExports = DataExports(database: database, environment: environment, files: files, jobs: jobs)
        subscriptions = SubscriptionStore(database: database, environment: environment)
        notifications = NotificationOutbox(database: database, environment: environment, jobs: jobs)
        federation = FederationStore(database: database, environment: environment, jobs: jobs)
        federationOutbox = FederationOutbox(database: database, environment: environment, jobs: jobs)
        liveEvents = LiveEvents(database: database)
        reports = ReportStore(database: database, environment: environment, relationships: relationships, jobs: jobs)
        moderation = ModerationStore(database: database, environment: environment)
        deleteMedia = DeleteMedia(media: media, writer: mediaWriter, moderation: moderation, files: files)
        deleteAccount = DeleteAccount(
            database: database,
            environment: environment,
            changes: changes,
            moderation: moderation,
            files: files,
            exports: dataExports,
            jobs: jobs
        )
        suspendAccount = SuspendAccount(
            database: database,
            environment: environment,
            users: users,
            sessions: sessions,
            moderation: moderation,
            changes: changes,
            jobs: jobs
        )
        setDomainPolicy = SetDomainPolicy(database: database, federation: federation, users: users, suspendAccount: suspendAccount)
        removeComment = RemoveComment(database: database, comments: comments, moderation: moderation)
        settleReport = SettleReport(
            database: database,
            reports: reports,
            moderation: moderation,
            deleteMedia: deleteMedia,
            removeComment: removeComment,
            suspendAccount: suspendAccount
        )
        changeEmail = ChangeEmail(database: database, environment: environment, users: users, tokens: accountTokens, log: securityLog, jobs: jobs)
        changePassword = ChangePassword(
            database: database,
            environment: environment,
            users: users,
            tokens: accountTokens,
            log: securityLog,
            jobs: jobs,
            changes: changes
        )
        signUp = SignUp(
            database: database,
            environment: environment,
            users: users,
            signups: signups,
            tokens: accountTokens,
            log: securityLog,
            jobs: jobs
        )
        decideSignup = DecideSignup(
            database: database,
            environment: environment,
            tokens: accountTokens,
            moderation: moderation,
            jobs: jobs,
            deleteAccount: deleteAccount
        )
        grants = GrantCache(tokens: tokens, changes: changes, clock: environment.nowMilliseconds, database: database)
        feed = CachedFeed(
            media: media,
            mergedAccounts: MergedAccounts(users: users, changes: changes, clock: environment.nowMilliseconds),
            knownVersions: database.changeNotices.map { KnownMediaVersions(watching: $0) }
        )
    }

    /// Opens the database a configuration names — PostgreSQL for a `postgres://` URL, else SQLite in `dataDirectory` —
    /// and brings its schema up to date. Media files live in `dataDirectory` either way.
    /// - Parameter replicaURLs: PostgreSQL streaming replicas that reads in a `ReadSession` may use (`ReplicatedDatabase`).
    public static func open(
        databaseURL: String?,
        replicaURLs: [String] = [],
        dataDirectory: String,
        environment: SystemEnvironment,
        migrate: Bool = true
    ) async throws -> Storage {
        let files = try MediaFiles(dataDirectory: dataDirectory, environment: environment)
        let database: any Database
        if let databaseURL, !databaseURL.isEmpty, !replicaURLs.isEmpty {
            let replicas: [(database: any Database, name: String)] = try replicaURLs.map { url in
                let replica = try PostgresDatabase(url: url)
                return (replica, replica.displayName)
            }
            database = MeasuredDatabase(ReplicatedDatabase(primary: try PostgresDatabase(url: databaseURL), replicas: replicas))
        } else if let databaseURL, !databaseURL.isEmpty {
            database = MeasuredDatabase(try PostgresDatabase(url: databaseURL))
        } else {
            try FileSystem.makeDirectory(dataDirectory)
            try FileSystem.createPrivateFile(dataDirectory + "/darkroom.sqlite")
            database = MeasuredDatabase(try SQLiteDatabase(path: dataDirectory + "/darkroom.sqlite"))
        }
        var mediaURLKey = ""
        if migrate {
            do {
                try await Migrator(database: database).migrate(nowSeconds: environment.nowSeconds)
                mediaURLKey = try await serverKey("media-urls", in: database, environment: environment)
            } catch {
                await database.close()
                throw error
            }
        }
        let seal = try TokenSeal.load(dataDirectory: dataDirectory, environment: environment)
        return Storage(database: database, environment: environment, files: files, mediaURLKey: mediaURLKey, tokenSeal: seal)
    }

    /// Has `live` ring for other processes' writes too, from now on (PostgreSQL's notices). False when nothing tells
    /// this process of them (notices turned off for a pooler): its streams must then also look on their own.
    public func hearsOtherProcesses() -> Bool {
        database.engine == .sqlite || database.listen(to: LiveSignal.channel) { [live] in live.ring() }
    }

    /// What in the data directory others than its owner may read or enter — the folder itself, the database and its
    /// journals, the media and export folders and each waiting export — for a warning at start-up. (The media files
    /// themselves are not walked: there may be millions, and the folder above them guards them.)
    public static func filesWiderThanOwner(dataDirectory: String) -> [String] {
        var paths = [dataDirectory, dataDirectory + "/media", dataDirectory + "/media-staging", dataDirectory + "/exports"]
        paths.append(dataDirectory + "/originals")
        paths += ["", "-wal", "-shm"].map { dataDirectory + "/darkroom.sqlite" + $0 }
        paths += FileSystem.list(dataDirectory + "/exports").sorted().map { dataDirectory + "/exports/" + $0 }
        return paths.filter(FileSystem.isWiderThanOwner)
    }

    /// A secret by name, made at random the first time any process asks for it.
    static func serverKey(_ name: String, in database: any Database, environment: SystemEnvironment) async throws -> String {
        // Read first: only the very first start of a database writes.
        if let key = try await database.query("SELECT value FROM server_keys WHERE name = \(name)").decodeFirst({ try $0.string() }) { return key }
        try await database.execute(
            "INSERT INTO server_keys (name, value) VALUES (\(name), \(environment.randomHex(bytes: 32))) ON CONFLICT (name) DO NOTHING"
        )
        return try await database.query("SELECT value FROM server_keys WHERE name = \(name)").decodeFirst { try $0.string() } ?? ""
    }

    /// Removes stored files no row names (left by a crash between writing them and committing their row), once they
    /// are `grace` seconds old. Answers how many sets were removed.
    @discardableResult
    public func sweepOrphanedFiles(grace: Int64 = 600) async throws -> Int {
        let originals = try await self.originals.sweep(olderThan: grace) { keys in
            Set(
                try await database.query(
                    """
                    SELECT original_key FROM media WHERE original_key IN (\(list: keys))
                    UNION ALL SELECT original_key FROM media_items WHERE original_key IN (\(list: keys))
                    UNION ALL SELECT original_key FROM video_uploads WHERE state = 'processing' AND original_key IN (\(list: keys))
                    UNION ALL SELECT file_key FROM archive_held_files WHERE file_key IN (\(list: keys))
                    """
                ).decode { try $0.string() }
            )
        }
        return try await originals
            + files.sweep(olderThan: grace) { keys in
                Set(
                    try await database.query(
                        """
                        SELECT image_key FROM media WHERE image_key IN (\(list: keys))
                        UNION ALL SELECT image_key FROM media_items WHERE image_key IN (\(list: keys))
                        UNION ALL SELECT profile_picture FROM users WHERE profile_picture IN (\(list: keys))
                        UNION ALL SELECT file_key FROM archive_held_files WHERE file_key IN (\(list: keys))
                        """
                    ).decode { try $0.string() }
                )
            }
    }
}
