/// Someone explore suggests following, with how many of the people the viewer follows already follow them (0 for a
/// suggestion drawn from the most followed accounts).
public struct SuggestedPerson: Sendable, Equatable {
    public var person: UserSummary
    public var followedByYourFollows: Int

    public init(person: UserSummary, followedByYourFollows: Int) {
        self.person = person
        self.followedByYourFollows = followedByYourFollows
    }
}
