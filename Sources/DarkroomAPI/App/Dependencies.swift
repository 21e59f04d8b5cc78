import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Logging

/// Everything handlers share, built once per application.
struct Dependencies: Sendable {
    let storage: Storage
    let links: Links
    let logger: Logger
    let ingest: PhotoIngest
    let videos: VideoSettings
    let rateLimiter: RateLimiter
    let loginThrottle: LoginThrottle
    let deviceCookies: DeviceCookies
    /// The largest multipart (upload) body accepted, in bytes.
    let uploadLimit: Int
    /// The largest archive upload accepted, in bytes.
    let archiveLimit: Int64
    let bodyBudget: BodyBudget
    let mediaPages: MediaPageCache
    let writeLimits: WriteLimits
    let callbacks: CallbackClient
    let subscriptionLimit: Int
    let streamLimits: StreamLimits
    let appsPerPerson: Int
    let mail: MailDelivery
    /// Who may sign up, until operators save their own settings.
    let signupDefaults: SignupPolicy
    /// ActivityPub's parts; nil when federation is off.
    let federation: FederationParts?
    let mediaCache = MediaFragmentCache()
    let templates = PageTemplates.shared
    let pageFragments = RenderedFragments(capacityBytes: 32 * 1024 * 1024)
    let mediaObjects = MediaObjects(capacity: 20_000)

    /// The job kinds this server runs, with their handlers.
    var jobs: JobRegistry {
        .server(
            storage: storage,
            callbacks: callbacks,
            ingest: ingest,
            videos: videos,
            mail: mail,
            federation: federation?.federation,
            logger: logger
        )
    }
    /// Who may sign up now.
    func signupPolicy() async throws -> SignupPolicy { try await storage.signups.policy(defaults: signupDefaults) }
    var mails: MailComposer { MailComposer(templates: templates, publicURL: links.publicURL) }
    var users: UserSerializer { UserSerializer(links: links) }
    var media: MediaSerializer { MediaSerializer(links: links) }
    var mediaLists: MediaListRenderer { MediaListRenderer(storage: storage, cache: mediaCache, serializer: media) }
    var mediaResponses: MediaResponses { MediaResponses(renderer: mediaLists, pages: mediaPages) }
}
