/// How two users stand, from the viewer's side: exactly the three keys the v1 relationship object has.
public struct Relationship: Sendable, Equatable {
    public enum Outgoing: String, Sendable { case follows, requested, none }
    public enum Incoming: String, Sendable {
        case followedBy = "followed_by"
        case requestedBy = "requested_by"
        case blockedByYou = "blocked_by_you"
        case none
    }

    public var outgoing: Outgoing
    public var incoming: Incoming
    public var targetIsPrivate: Bool

    public init(outgoing: Outgoing, incoming: Incoming, targetIsPrivate: Bool) {
        self.outgoing = outgoing
        self.incoming = incoming
        self.targetIsPrivate = targetIsPrivate
    }
}
