import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain HTTP/1.1 client that asks for a live stream and keeps everything it reads: the status line, and each
/// Server-Sent Event as it arrives.
final class StreamReader: Sendable {
    private let channel: any Channel
    private let received: Received

    final class Received: Sendable {
        let text = Mutex("")
    }

    private init(channel: any Channel, received: Received) {
        self.channel = channel
        self.received = received
    }

    static func open(port: Int, path: String, headers: [String: String] = [:]) async throws -> StreamReader {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received: received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        try await channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(extra)\r\n"))
        return StreamReader(channel: channel, received: received)
    }

    var text: String { received.text.withLock { $0 } }
    /// The response's status code, once its first line has arrived.
    var status: Int? {
        let text = self.text
        guard text.hasPrefix("HTTP/1.1 "), text.count >= 12 else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    /// The `media_id` of each event of `kind` so far.
    func mediaIDs(of kind: String) -> [String] {
        text.components(separatedBy: "event: \(kind)\ndata: ").dropFirst().compactMap { rest in
            guard let range = rest.range(of: "\"media_id\":\"") else { return nil }
            return String(rest[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    func close() async { try? await channel.close() }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Received
        init(received: Received) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let chunk = buffer.readString(length: buffer.readableBytes) ?? ""
            received.text.withLock { $0 += chunk }
        }
    }
}
