import Crypto
import DarkroomCore
import DarkroomStorage
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Delivers the outbox's notifications for as long as the server runs: claims what is due, batches it per client and
/// callback (at most `batchSize` items in one POST), signs each body with the client's secret, and sends it through
/// `CallbackClient`. A 2xx within the timeout is success; anything else is retried with backoff (`NotificationOutbox`).
/// Callbacks on one host are sent one batch at a time and at most `concurrency` hosts at once, so a slow or dead
/// receiver holds up only its own notifications (its share stays leased until it answers or times out).
struct NotificationDelivery: Service {
    let storage: Storage
    let client: CallbackClient
    let logger: Logger
    var concurrency = 16
    var batchSize = 100
    /// How often an idle server looks for work written by other processes (or due for a retry); a post in this
    /// process rings `Storage.outbox` and is delivered at once.
    var pollInterval: Duration = .milliseconds(250)

    private final class Busy: Sendable {
        let hosts = Mutex<Set<String>>([])
    }

    func run() async throws {
        let busy = Busy()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                var started = 0
                do {
                    let free = concurrency - busy.hosts.withLock { $0.count }
                    if free > 0, try await storage.notifications.hasWork() {
                        for (host, batches) in try await claimByHost(limit: free * batchSize, busy: busy) {
                            started += 1
                            group.addTask {
                                for batch in batches { await send(batch) }
                                _ = busy.hosts.withLock { $0.remove(host) }
                                // Its host is free: what waits for it may go now.
                                storage.outbox.ring()
                            }
                        }
                    }
                } catch {
                    logger.error("notification delivery failed a round", metadata: ["error": "\(error)"])
                }
                if started == 0 { await storage.outbox.wait(upTo: pollInterval) }
            }
        }
    }

    /// Delivers everything due now, one batch after another, until nothing is due (tests, and `darkroom` tools); answers
    /// how many batches were sent.
    @discardableResult
    func drain() async throws -> Int {
        var sent = 0
        while true {
            let batches = try await claimByHost(limit: concurrency * batchSize, busy: Busy()).values.flatMap { $0 }
            guard !batches.isEmpty else { return sent }
            for batch in batches { await send(batch) }
            sent += batches.count
        }
    }

    /// Claims due notifications and groups them into batches per host not already being sent to; a busy host's
    /// claims are given back at once, for a later round.
    private func claimByHost(limit: Int, busy: Busy) async throws -> [String: [[NotificationOutbox.Pending]]] {
        let pending = try await storage.notifications.claim(limit: limit)
        var byHost: [String: [String: [NotificationOutbox.Pending]]] = [:]
        for item in pending {
            let host = URLParts.host(of: item.callbackURL)
            byHost[host, default: [:]]["\(item.clientRef.rawValue) \(item.callbackURL)", default: []].append(item)
        }
        var batches: [String: [[NotificationOutbox.Pending]]] = [:]
        var released: [Int64] = []
        for (host, groups) in byHost {
            guard busy.hosts.withLock({ $0.insert(host).inserted }) else {
                released += groups.values.flatMap { $0.map(\.id) }
                continue
            }
            batches[host] = groups.values.flatMap { items in stride(from: 0, to: items.count, by: batchSize).map { Array(items[$0..<min($0 + batchSize, items.count)]) } }
        }
        try await storage.notifications.release(released)
        return batches
    }

    /// One POST of notifications for one client's callback.
    func send(_ batch: [NotificationOutbox.Pending]) async {
        guard let first = batch.first else { return }
        let ids = batch.map(\.id)
        let attempts = batch.map(\.attempts).max() ?? 0
        do {
            guard let secret = try await storage.notifications.secrets(of: [first.clientRef])[first.clientRef] else {
                try await storage.notifications.failed(ids, attempts: NotificationOutbox.maximumAttempts, status: nil, error: "the client is gone")
                return
            }
            let body = Self.body(batch)
            let answer = try await client.post(first.callbackURL, headers: Self.headers(body, secret: secret, delivery: storage.environment.randomHex(bytes: 16)), body: body)
            if (200..<300).contains(answer.status) {
                try await storage.notifications.delivered(ids, status: answer.status)
            } else {
                try await storage.notifications.failed(ids, attempts: attempts, status: answer.status, error: "answered \(answer.status)")
            }
        } catch {
            logger.info("notification not delivered", metadata: ["callback": "\(URLParts.host(of: first.callbackURL))", "error": "\(error)"])
            try? await storage.notifications.failed(ids, attempts: attempts, status: nil, error: String(describing: error))
        }
    }

    /// The JSON array v1 receivers read (reference §5).
    static func body(_ batch: [NotificationOutbox.Pending]) -> ByteBuffer {
        var writer = JSONWriter(capacity: 160 * batch.count + 16)
        writer.array(batch) { writer, item in
            writer.object { item2 in
                item2.pair("subscription_id", String(item.subscriptionID))
                item2.pair("object", item.object)
                item2.pair("object_id", item.objectID)
                item2.pair("changed_aspect", "media")
                item2.pair("time", item.createdAt)
                item2.key("data")
                item2.object { $0.pair("media_id", String(item.mediaID.rawValue)) }
            }
        }
        return writer.buffer
    }

    /// `X-Hub-Signature`: plain lowercase hex HMAC-SHA1 of the body under the client secret (what python-instagram's
    /// reactor checks); `X-Hub-Signature-256` for modern receivers; a delivery id to tell retries apart.
    static func headers(_ body: ByteBuffer, secret: String, delivery: String) -> HTTPHeaders {
        let key = SymmetricKey(data: Array(secret.utf8))
        let bytes = Array(body.readableBytesView)
        return [
            "Content-Type": "application/json",
            "X-Hub-Signature": Hex.encode(HMAC<Insecure.SHA1>.authenticationCode(for: bytes, using: key)),
            "X-Hub-Signature-256": "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: bytes, using: key)),
            "X-Hub-Delivery": delivery,
        ]
    }
}

enum URLParts {
    static func host(of url: String) -> String {
        guard let start = url.range(of: "://") else { return url }
        let rest = url[start.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(authority.split(separator: "@").last ?? authority).lowercased()
    }
}
