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
/// Each callback URL is its own queue, sent one batch at a time; at most `perHost` callbacks of one host are waited on
/// at once, and at most `concurrency` callbacks in all. So a slow or dead receiver holds up only its own callback's
/// notifications (its share stays leased until it answers or times out), and other apps' callbacks on the same host
/// go on, unless `perHost` of that host's callbacks hang at once.
struct NotificationDelivery: Service {
    let storage: Storage
    let client: CallbackClient
    let logger: Logger
    var concurrency = 16
    var perHost = 4
    var batchSize = 100
    /// How often an idle server looks for work written by other processes (or due for a retry); a post in this
    /// process rings `Storage.outbox` and is delivered at once.
    var pollInterval: Duration = .milliseconds(250)

    /// The callbacks being sent to, and how many of each host's.
    private final class Busy: Sendable {
        private struct State {
            var callbacks: Set<String> = []
            var hosts: [String: Int] = [:]
        }
        private let state = Mutex(State())

        var count: Int { state.withLock { $0.callbacks.count } }

        /// Takes the callback if it is free and its host has room.
        func take(_ callback: String, host: String, perHost: Int) -> Bool {
            state.withLock { state in
                guard !state.callbacks.contains(callback), state.hosts[host, default: 0] < perHost else { return false }
                state.callbacks.insert(callback)
                state.hosts[host, default: 0] += 1
                return true
            }
        }

        func give(_ callback: String, host: String) {
            state.withLock { state in
                guard state.callbacks.remove(callback) != nil else { return }
                let left = (state.hosts[host] ?? 1) - 1
                state.hosts[host] = left > 0 ? left : nil
            }
        }
    }

    func run() async throws {
        let busy = Busy()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                var started = 0
                do {
                    let free = concurrency - busy.count
                    if free > 0, try await storage.notifications.hasWork() {
                        for queue in try await claimByCallback(limit: free * batchSize, busy: busy) {
                            started += 1
                            group.addTask {
                                for batch in queue.batches { await send(batch) }
                                busy.give(queue.callback, host: queue.host)
                                // Its callback is free: what waits for it may go now.
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
            let batches = try await claimByCallback(limit: concurrency * batchSize, busy: Busy()).flatMap(\.batches)
            guard !batches.isEmpty else { return sent }
            for batch in batches { await send(batch) }
            sent += batches.count
        }
    }

    /// What one callback URL of one client is sent in a round.
    private struct Queue {
        var callback: String
        var host: String
        var batches: [[NotificationOutbox.Pending]]
    }

    /// Claims due notifications and groups them into batches per callback not already being sent to, within each
    /// host's share; the rest of the claim is given back at once, for a later round.
    private func claimByCallback(limit: Int, busy: Busy) async throws -> [Queue] {
        let pending = try await storage.notifications.claim(limit: limit)
        var byCallback: [String: [NotificationOutbox.Pending]] = [:]
        var order: [String] = []
        for item in pending {
            let key = "\(item.clientRef.rawValue) \(item.callbackURL)"
            if byCallback[key] == nil { order.append(key) }
            byCallback[key, default: []].append(item)
        }
        var queues: [Queue] = []
        var released: [Int64] = []
        for key in order {
            let items = byCallback[key]!
            let host = URLParts.host(of: items[0].callbackURL)
            guard busy.take(key, host: host, perHost: perHost) else {
                released += items.map(\.id)
                continue
            }
            let batches = stride(from: 0, to: items.count, by: batchSize).map { Array(items[$0..<min($0 + batchSize, items.count)]) }
            queues.append(Queue(callback: key, host: host, batches: batches))
        }
        try await storage.notifications.release(released)
        return queues
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
            let answer = try await client.post(
                first.callbackURL,
                headers: Self.headers(body, secret: secret, delivery: storage.environment.randomHex(bytes: 16)),
                body: body
            )
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
