import DarkroomImaging
import Hummingbird
import NIOCore

/// How many live streams may be open at once. Each holds a connection, so a person registering more apps must not
/// buy more of them: there is a cap per person and app (4), per person across apps, and for the whole server.
public struct StreamLimits: Sendable, Equatable {
    public static let perApp = 4
    public var perPerson: Int
    public var perServer: Int

    public init(perPerson: Int = 8, perServer: Int = 10_000) {
        self.perPerson = perPerson
        self.perServer = perServer
    }
}
