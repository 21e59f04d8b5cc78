import Hummingbird
import NIOCore

/// The per-request context. Darkroom keeps identity out of it: handlers receive an `APIRequest` with the caller.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's address without its port, for per-address limits (failed log-ins); "unknown" when there is none.
    let remoteHost: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteHost = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Form bodies are small; uploads stream past this through their own route.
    var maxUploadSize: Int { 2 * 1024 * 1024 }
}
