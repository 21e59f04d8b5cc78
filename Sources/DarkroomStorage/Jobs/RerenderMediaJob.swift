import DarkroomCore

/// Makes every photo's renditions again from its original (`darkroom media rerender`), after the sizes or the filters
/// changed: a batch of posts at a time, in id order, its cursor saved after each batch so a restart goes on where it
/// stopped. One at a time (its key); photos without an original are counted and left as they are. The server runs it
/// (`RerenderMedia` in the API module, which has the imaging), and so does the command, whichever claims it.
public struct RerenderMediaJob: BackgroundJob {
    public static let kind = "rerender-media"
    public static let priority = JobPriority.bulk
    public var key: String? { "all" }

    /// The last post done.
    public var after: Int64
    /// Posts when it began, and posts done (with an original or not) since.
    public var total: Int64
    public var done: Int64 = 0
    /// Photos that have no original to make them from.
    public var withoutOriginal: Int64 = 0

    public init(after: Int64 = 0, total: Int64) {
        self.after = after
        self.total = total
    }
}
