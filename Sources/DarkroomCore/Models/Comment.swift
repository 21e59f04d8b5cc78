public struct Comment: Sendable, Equatable {
    public var id: CommentID
    public var text: String
    public var createdAt: Int64
    public var from: UserSummary

    public init(id: CommentID, text: String, createdAt: Int64, from: UserSummary) {
        self.id = id
        self.text = text
        self.createdAt = createdAt
        self.from = from
    }
}
