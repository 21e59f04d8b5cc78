/// Reports: anyone signed in may report what they can see (the store checks that through the media and user
/// policies), except what is their own.
public enum ReportPolicy {
    public static func check(reporter: UserID, owner: UserID) throws(DomainError) {
        guard reporter != owner else { throw .notAllowed(.reportOwn) }
    }
}
