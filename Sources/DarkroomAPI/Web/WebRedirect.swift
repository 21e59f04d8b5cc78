import DarkroomCore
import DarkroomStorage
import Hummingbird

/// Thrown to answer with a redirect from deep in a handler (the log-in page, mostly).
struct WebRedirect: Error {
    var location: String
}
