import DarkroomCore

/// Suspending an account, and reinstating it, each in one transaction with its entry in the moderation log.
///
/// A suspended account disappears at once: the visibility rule (`Visibility.present`) leaves it and everything of it
/// out of every list and lookup, its tokens and web sessions stop working, its media leave its followers' feeds, and
/// the media it liked, commented on or appears in are re-rendered without it. Reinstating brings all of it back.
/// Nothing is deleted: counts keep what the account did while it was hidden.
public struct SuspendAccount: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let users: UserStore
    let sessions: SessionStore
    let moderation: ModerationStore
    let changes: StoreChanges
    let jobs: JobQueue

    /// Suspends an account; false when it already was.
    public func suspend(_ user: UserID, reason: String, actor: String) async throws -> Bool {
        let now = environment.nowSeconds
        let changed = try await database.transaction { tx -> Bool in
            guard try await users.markSuspended(user, at: now, in: tx) else { return false }
            if let gone = try await FederateJob.deleteActor(user, in: tx) { try await jobs.enqueue(gone, in: tx) }
            try await sessions.endAll(of: user, in: tx)
            try await HomeFeed.withdrawAll(of: user, in: tx)
            try await MediaVersion.moveAllShowing(user, in: tx)
            try await moderation.record("suspend", user: user, reason: reason, actor: actor, in: tx)
            return true
        }
        // The account's tokens stop in this process now, in the others within about a second (`GrantCache`).
        if changed { await changes.grantsChanged() }
        return changed
    }

    /// Reinstates a suspended account; false when it was not suspended.
    public func reinstate(_ user: UserID, reason: String, actor: String) async throws -> Bool {
        let changed = try await database.transaction { tx -> Bool in
            guard try await users.clearSuspension(user, in: tx) else { return false }
            try await HomeFeed.restoreAll(of: user, in: tx)
            try await MediaVersion.moveAllShowing(user, in: tx)
            try await moderation.record("unsuspend", user: user, reason: reason, actor: actor, in: tx)
            return true
        }
        if changed { await changes.grantsChanged() }
        return changed
    }
}
