import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird

/// What a route needs from its caller: each `Endpoint` declares one; `Credentials` enforces it.
enum Access: Sendable {
    /// An app's client_id is enough, or a user's token with this scope.
    case clientOrUser(Scope)
    /// A user's token with this scope.
    case user(Scope)
}
