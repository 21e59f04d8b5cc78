import Synchronization

/// What the stores of this process announce, once a write has committed, about changes that copies kept in memory
/// depend on. Stores know no cache: they say what changed, and each cache in `Caches/` listens and applies its own
/// rule.
public final class StoreChanges: Sendable {
    public enum Change: Sendable {
        /// What some token grants changed: a revocation, a client's deletion, new secret or settings, a block, a
        /// suspension, an account's deletion.
        case grants
        /// An account with more followers than `HomeFeed.readTimeMergeThreshold` posted: feeds merge its media in.
        case accountPastMergeThresholdPosted
    }

    private let listeners = Mutex<[@Sendable (Change) -> Void]>([])
    private let database: any Database

    init(database: any Database) { self.database = database }

    /// Calls `listener` for every change announced from now on, on the announcing task.
    public func listen(_ listener: @escaping @Sendable (Change) -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    /// Some grant has changed (committed). Other processes learn of it through the fleet's count of grant changes
    /// (`fleet_generations`), which is not part of the change's transaction: were counting to fail, the change has
    /// happened all the same and answering it as failed would be wrong; the others then see it within their caches'
    /// lifetime.
    func grantsChanged() async {
        announce(.grants)
        try? await database.execute("UPDATE fleet_generations SET value = value + 1 WHERE name = 'grants'")
    }

    func announce(_ change: Change) {
        for listener in listeners.withLock({ $0 }) { listener(change) }
    }
}
