import Hummingbird

/// The per-request context. Darkroom keeps identity out of it: handlers receive an `APIRequest` with the caller.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Form bodies are small; uploads stream past this through their own route.
    var maxUploadSize: Int { 2 * 1024 * 1024 }
}
