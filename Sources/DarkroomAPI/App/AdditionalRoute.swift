import DarkroomImaging
import Hummingbird
import NIOCore

/// A route a tool adds to the application, answered by the same server stack as the API: the feed benchmark's
/// ready-made body, the write benchmark's post of an already-rendered photo. It gets the query's parameters and
/// answers a JSON body.
public struct AdditionalRoute: Sendable {
    public var method: HTTPRequest.Method
    public var path: String
    public var respond: @Sendable (_ query: [String: String]) async throws -> ByteBuffer

    public init(method: HTTPRequest.Method = .get, path: String, respond: @escaping @Sendable (_ query: [String: String]) async throws -> ByteBuffer)
    {
        self.method = method
        self.path = path
        self.respond = respond
    }

    /// A fixed body for GET.
    public init(path: String, body: @escaping @Sendable () -> ByteBuffer) {
        self.init(path: path) { _ in body() }
    }
}
