import Crypto
import DarkroomCore
import DarkroomStorage
import Logging
import NIOCore
import NIOHTTP1

/// Runs `DeliverNotificationsJob`s: sends one client's waiting notifications to one callback URL, at most
/// `batchSize` items per POST, each body signed with the client's secret, through `CallbackClient`, until none waits.
/// A 2xx within the timeout is success; anything else is recorded on the notifications and the job fails, so the
/// queue retries it with backoff. The queue runs one job per callback at a time and at most four callbacks of one
/// host (the job's key and lane): a slow or dead receiver holds up only its own notifications, and other apps'
/// callbacks on the same host go on unless four of that host's hang at once.
struct CallbackDelivery: Sendable {
    let storage: Storage
    let client: CallbackClient
    let logger: Logger
    var batchSize = 100

    /// A receiver that did not take a batch: the job is retried after its backoff.
    struct NotDelivered: Error, CustomStringConvertible {
        var description: String
    }

    func run(_ job: DeliverNotificationsJob) async throws {
        let clientRef = ClientRecordID(job.client)
        while true {
            let batch = try await storage.notifications.waiting(client: clientRef, callback: job.callback, limit: batchSize)
            guard !batch.isEmpty else { return }
            let ids = batch.map(\.id)
            guard let secret = try await storage.notifications.secrets(of: [clientRef])[clientRef] else {
                // The client is gone (its notifications go with it): nothing can be signed or sent.
                try await storage.notifications.failed(ids, status: nil, error: "the client is gone")
                return
            }
            let body = Self.body(batch)
            let status: Int
            do {
                status = try await client.post(
                    job.callback,
                    headers: Self.headers(body, secret: secret, delivery: storage.environment.randomHex(bytes: 16)),
                    body: body
                ).status
            } catch {
                logger.info("notification not delivered", metadata: ["callback": "\(CallbackURL.host(of: job.callback))", "error": "\(error)"])
                try await giveUpOrRetry(ids, status: nil, error: String(describing: error))
                continue
            }
            if (200..<300).contains(status) {
                try await storage.notifications.delivered(ids, status: status)
            } else {
                try await giveUpOrRetry(ids, status: status, error: "answered \(status)")
            }
        }
    }

    /// Records the failure; the job goes on with the next batch only when every one of these was set aside.
    private func giveUpOrRetry(_ ids: [Int64], status: Int?, error: String) async throws {
        if try await storage.notifications.failed(ids, status: status, error: error) { return }
        throw NotDelivered(description: error)
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
