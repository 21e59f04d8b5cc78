import DarkroomCore
import Hummingbird
import NIOCore

/// The per-request context. Darkroom keeps identity out of it: handlers receive an `APIRequest` with the caller.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's address without its port, for per-address limits (failed log-ins); "unknown" when there is none.
    let remoteHost: String
    /// The request's connection, for calls the server makes to itself on the request's behalf (`LocalAPI`).
    let channel: any Channel
    /// A form body already read before routing (to find `_method`), or why it could not be: the route reports it in
    /// its own format.
    var input: Result<RequestInput, APIError>?
    /// What the request log reports about the request, filled in by the handlers.
    let observations = RequestObservations()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteHost = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }

    /// Bodies larger than this are refused by Hummingbird before any route (uploads set their own, larger, limit).
    var maxUploadSize: Int { RequestInput.Rules.formLimit }
}
