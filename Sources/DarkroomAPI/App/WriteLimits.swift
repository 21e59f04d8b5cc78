import DarkroomImaging
import Hummingbird
import NIOCore

/// Likes, comments and relationship changes a token may make in an hour, as the platform limited them from 2014:
/// more for calls signed with `X-Insta-Forwarded-For`. Each kind is off (nil) until an operator sets it.
public struct WriteLimits: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        public var unsigned: Int
        public var signed: Int

        public init(unsigned: Int, signed: Int) {
            self.unsigned = unsigned
            self.signed = signed
        }
    }

    public enum Kind: String, Sendable, CaseIterable {
        case likes, comments, relationships
    }

    public var likes: Limit?
    public var comments: Limit?
    public var relationships: Limit?

    public init(likes: Limit? = nil, comments: Limit? = nil, relationships: Limit? = nil) {
        self.likes = likes
        self.comments = comments
        self.relationships = relationships
    }

    /// The figures the reference gives for July 2014 (likes 30 unsigned / 100 signed, comments 15 / 60, relationships
    /// 20 / 60), for `serve --write-limits`.
    public static let platform2014 = WriteLimits(
        likes: Limit(unsigned: 30, signed: 100),
        comments: Limit(unsigned: 15, signed: 60),
        relationships: Limit(unsigned: 20, signed: 60)
    )

    public subscript(kind: Kind) -> Limit? {
        get {
            switch kind {
            case .likes: likes
            case .comments: comments
            case .relationships: relationships
            }
        }
        set {
            switch kind {
            case .likes: likes = newValue
            case .comments: comments = newValue
            case .relationships: relationships = newValue
            }
        }
    }
}
