extension Migrations {
    /// One queue for all background work. Jobs gain a priority, a key (one job per kind and key, run again when
    /// enqueued while running), a lane with its limit, the time they were enqueued and a re-run time. The real-time
    /// outbox's own scheduling goes: waiting media events become `announce-media` jobs, and every callback with
    /// notifications waiting gets a `deliver-notifications` job, whose retries the queue now schedules. The upkeep is
    /// a keyed job, so the fleet leases that shared it out go too.
    static let oneJobSystem = Migration(
        version: 23,
        name: "one job system",
        statements: [
            "ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 5",
            "ALTER TABLE jobs ADD COLUMN job_key TEXT",
            "ALTER TABLE jobs ADD COLUMN lane TEXT",
            "ALTER TABLE jobs ADD COLUMN lane_limit BIGINT NOT NULL DEFAULT 1",
            "ALTER TABLE jobs ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE jobs ADD COLUMN rerun_at BIGINT",
            "UPDATE jobs SET created_at = run_at",
            "UPDATE jobs SET priority = 9 WHERE kind = 'withdraw'",
            "UPDATE jobs SET priority = 0 WHERE kind = 'data-export'",
            "DROP INDEX jobs_due",
            "CREATE INDEX jobs_claim ON jobs (priority, run_at, id) WHERE failed_at IS NULL",
            "CREATE INDEX jobs_lanes ON jobs (lane, kind) WHERE lane IS NOT NULL",
            "CREATE UNIQUE INDEX jobs_by_key ON jobs (kind, job_key) WHERE job_key IS NOT NULL",
            """
            INSERT INTO jobs (id, kind, payload, priority, run_at, created_at)
            SELECT id, 'announce-media', '{"media":' || media_id || ',"time":' || created_at || '}', 5, created_at, created_at FROM media_events
            """,
            "DROP TABLE media_events",
            "DROP INDEX notifications_due",
            "ALTER TABLE notifications DROP COLUMN next_attempt_at",
            "ALTER TABLE notifications DROP COLUMN lease_until",
            "CREATE INDEX notifications_waiting ON notifications (client_ref, callback_url, id) WHERE delivered_at IS NULL AND failed_at IS NULL",
            "DROP TABLE fleet_leases",
        ],
        afterwards: { step in
            let (tx, now) = (step.tx, step.now)
            let callbacks = try await tx.query(
                """
                SELECT min(id), client_ref, callback_url FROM notifications WHERE delivered_at IS NULL AND failed_at IS NULL
                 GROUP BY client_ref, callback_url
                """
            ).decode { (id: try $0.int(), client: try $0.int(), url: try $0.string()) }
            // Ids from the notifications themselves: one generator made them all, so no job has them.
            for callback in callbacks {
                _ = try await JobQueue.insert(
                    DeliverNotificationsJob(client: callback.client, callback: callback.url),
                    id: callback.id,
                    now: now,
                    runAt: now,
                    in: tx
                )
            }
        }
    )
}
