public struct UserInPhoto: Sendable, Equatable {
    public var user: UserSummary
    public var x: Double
    public var y: Double

    public init(user: UserSummary, x: Double, y: Double) {
        self.user = user
        self.x = x
        self.y = y
    }
}
