/// Distinct id types, so that a media id can never be passed where a user id is expected.
/// Every id is a 64-bit integer on the wire and in storage, rendered as a decimal string.
public protocol Identifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    var rawValue: Int64 { get }
    init(_ rawValue: Int64)
}

extension Identifier {
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a decimal id as clients send it; nil for anything else.
    public init?(decimal text: Substring) {
        guard !text.isEmpty, text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int64(text)
        else { return nil }
        self.init(value)
    }

    public init?(decimal text: String) { self.init(decimal: Substring(text)) }
}

public struct UserID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}
public struct MediaID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// Accepts the bare number and the `{media}_{user}` form later clients send.
    public init?(apiString text: String) {
        let head = text.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        self.init(decimal: head)
    }
}
public struct CommentID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}
public struct LikeID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}
public struct LocationID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}
public struct ClientRecordID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}
public struct TokenID: Identifier {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}
