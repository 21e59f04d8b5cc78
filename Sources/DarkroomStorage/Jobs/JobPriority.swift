import DarkroomCore
import Foundation
import Logging
import Synchronization

/// Claim order: people's own interactive work first, then what follows from it, then bulk work (as Mastodon orders
/// its queues). Within a priority, the job due first.
public enum JobPriority: Int64, Sendable, CaseIterable {
    /// Somebody is waiting on the result (their data download).
    case interactive = 0
    /// What follows from someone's action: feeds, notifications, deliveries.
    case standard = 5
    /// Work nobody waits on: withdrawals, upkeep, re-renders, imports.
    case bulk = 9
}
