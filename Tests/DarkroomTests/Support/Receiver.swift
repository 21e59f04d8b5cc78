import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on loopback that plays a subscriber's callback: it answers verification requests as `challenge`
/// says and records every notification it is sent, with its headers.
final class Receiver: Sendable {
    struct Delivery: Sendable {
        var body: [UInt8]
        var headers: [String: String]
    }

    enum Challenge: Sendable {
        /// `after`: the right answer, late (a receiver that answers slowly, or hangs past any timeout).
        case echo, wrong
        case status(Int)
        case after(Duration)
    }

    let port: Int
    private let deliveries = Mutex<[Delivery]>([])
    private let hung = Mutex<[Delivery]>([])
    /// What `hangingURL` was sent.
    var receivedWhileHanging: [Delivery] { hung.withLock { $0 } }
    private let challenge: Mutex<Challenge>
    private let notifyAnswer = Mutex((status: 200, delay: Duration.zero))
    private let task: Task<Void, any Error>

    let host: String
    var url: String { "http://\(host):\(port)/callback" }
    /// Another callback on the same host and port, which records what it is sent and never answers in time.
    var hangingURL: String { "http://\(host):\(port)/hang" }
    var received: [Delivery] { deliveries.withLock { $0 } }
    func answerChallenges(_ how: Challenge) { challenge.withLock { $0 = how } }
    /// Notifications are recorded when they arrive and answered with `status` after `delay`.
    func answerNotifications(_ status: Int, after delay: Duration = .zero) { notifyAnswer.withLock { $0 = (status, delay) } }

    private init(host: String, port: Int, challenge: Challenge, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.challenge = Mutex(challenge)
        self.task = task
    }

    /// `host`: any loopback address (127.0.0.2 is another host to the hub than 127.0.0.1).
    static func start(_ challenge: Challenge = .echo, host: String = "127.0.0.1") async throws -> Receiver {
        let box = ReceiverBox()
        let router = Router()
        router.get("/callback") { request, _ -> Response in
            guard let receiver = box.receiver else { return Response(status: .serviceUnavailable) }
            let value = request.uri.queryParameters["hub.challenge"].map(String.init) ?? ""
            switch receiver.challenge.withLock({ $0 }) {
            case .echo: return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: value)))
            case .wrong: return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "not-" + value)))
            case .status(let code): return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: value)))
            case .after(let delay):
                try await Task.sleep(for: delay)
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: value)))
            }
        }
        router.post("/callback") { request, _ -> Response in
            guard let receiver = box.receiver else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            receiver.deliveries.withLock { $0.append(Delivery(body: Array(body.readableBytesView), headers: headers)) }
            let answer = receiver.notifyAnswer.withLock { $0 }
            try await Task.sleep(for: answer.delay)
            return Response(status: .init(code: answer.status))
        }
        router.post("/hang") { request, _ -> Response in
            guard let receiver = box.receiver else { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 1 << 20)
            receiver.hung.withLock { $0.append(Delivery(body: Array(body.readableBytesView), headers: [:])) }
            try await Task.sleep(for: .seconds(120))
            return Response(status: .ok)
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }
        )
        let task = Task { try await app.runService() }
        while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let receiver = Receiver(host: host, port: port.withLock { $0 }!, challenge: challenge, task: task)
        box.set(receiver)
        return receiver
    }

    func stop() { task.cancel() }
}

private final class ReceiverBox: Sendable {
    private let value = Mutex<Receiver?>(nil)
    var receiver: Receiver? { value.withLock { $0 } }
    func set(_ receiver: Receiver) { value.withLock { $0 = receiver } }
}
