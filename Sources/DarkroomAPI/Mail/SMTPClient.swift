import DarkroomCore
import DarkroomStorage
import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import Synchronization

/// Hands one message at a time to an SMTP server (RFC 5321), over TLS: STARTTLS (RFC 3207) or implicit TLS (RFC
/// 8314), then AUTH PLAIN or LOGIN when the settings carry a user. Hand-written because no SMTP client is among the
/// packages this project may use; it speaks only what sending one message needs. A connection per message: Darkroom's
/// mail is a trickle (links and notices), and a fresh connection never inherits a broken one's state.
struct SMTPClient: Sendable {
    let settings: SMTPSettings
    /// The name Darkroom gives in EHLO: its public host.
    let helloName: String
    let tlsContext: NIOSSLContext
    /// How long one message may take, from connecting to the server's acceptance: within the job's lease
    /// (`JobQueue.leaseSeconds`), so no other worker takes the job while this one may still send it.
    var deadline: Duration = .seconds(JobQueue.leaseSeconds * 3 / 4)

    init(settings: SMTPSettings, helloName: String) throws {
        self.settings = settings
        self.helloName = helloName
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let file = settings.trustedCertificates { tls.additionalTrustRoots = [.file(file)] }
        tlsContext = try NIOSSLContext(configuration: tls)
    }

    /// Sends `data` (a whole message, CRLF lines) from `sender` to `recipient`; throws `SMTPError` for what the
    /// server refused or when the connection could not be made safe.
    func send(_ data: String, from sender: String, to recipient: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await converse(data, from: sender, to: recipient) }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw SMTPError.timedOut
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func converse(_ data: String, from sender: String, to recipient: String) async throws {
        let (lines, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let reader = SMTPLineHandler(lines: continuation)
        let implicitTLS = settings.security == .implicitTLS
        let serverName = Self.isIPAddress(settings.host) ? nil : settings.host
        let context = tlsContext
        let channel = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: 16_384))
                    try channel.pipeline.syncOperations.addHandler(reader)
                }
            }
            .connect(host: settings.host, port: settings.port).get()
        defer { channel.close(promise: nil) }
        var session = SMTPSession(channel: channel, replies: lines.makeAsyncIterator(), reader: reader)
        _ = try await session.reply(expecting: [220])
        var extensions = try await session.command("EHLO \(helloName)", expecting: [250])
        if !implicitTLS {
            if extensions.contains(where: { $0.uppercased() == "STARTTLS" }) {
                _ = try await session.command("STARTTLS", expecting: [220])
                // Anything the server sent after its go-ahead arrived in the clear and could be an attacker's.
                guard session.nothingUnread else { throw SMTPError.insecure("the server sent data before TLS began") }
                try await channel.eventLoop.submit {
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                }.get()
                extensions = try await session.command("EHLO \(helloName)", expecting: [250])
            } else if settings.username != nil {
                throw SMTPError.insecure("the server does not offer STARTTLS, and a password is never sent in the clear")
            } else if !settings.isLoopback {
                throw SMTPError.insecure("the server does not offer STARTTLS; only a relay on this machine may be used without TLS")
            }
        }
        if let username = settings.username, let password = settings.password {
            try await session.authenticate(username: username, password: password, extensions: extensions)
        }
        _ = try await session.command("MAIL FROM:<\(sender)>", expecting: [250])
        _ = try await session.command("RCPT TO:<\(recipient)>", expecting: [250, 251])
        _ = try await session.command("DATA", expecting: [354])
        _ = try await session.command(Self.dotStuffed(data) + ".", expecting: [250])
        try? await session.write("QUIT")
    }

    /// The message with every line that starts with a dot given another (RFC 5321 §4.5.2), ending in CRLF.
    static func dotStuffed(_ data: String) -> String {
        var text = data.hasSuffix("\r\n") ? data : data + "\r\n"
        if text.hasPrefix(".") { text = "." + text }
        return text.replacingOccurrences(of: "\r\n.", with: "\r\n..")
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}

/// What a failed attempt to send says.
enum SMTPError: Error, CustomStringConvertible {
    /// The server answered a command with a code it should not have.
    case refused(command: String, code: Int, text: String)
    case closed
    case timedOut
    case insecure(String)

    /// Whether trying again cannot help: the server refused the message for good (a 5xx reply).
    var isPermanent: Bool {
        if case .refused(let command, let code, _) = self { return code >= 500 && !command.hasPrefix("AUTH") }
        return false
    }

    var description: String {
        switch self {
        case .refused(let command, let code, let text): "the mail server answered \(command) with \(code) \(text)"
        case .closed: "the mail server closed the connection"
        case .timedOut: "the mail server did not finish within the deadline"
        case .insecure(let reason): "not sent: \(reason)"
        }
    }
}

/// One conversation's state: the reply lines not yet read and how to write a command.
private struct SMTPSession {
    let channel: any Channel
    var replies: AsyncThrowingStream<String, any Error>.AsyncIterator
    let reader: SMTPLineHandler
    private var linesRead = 0

    init(channel: any Channel, replies: AsyncThrowingStream<String, any Error>.AsyncIterator, reader: SMTPLineHandler) {
        self.channel = channel
        self.replies = replies
        self.reader = reader
    }

    /// Whether every line the server has sent so far has been read.
    var nothingUnread: Bool { reader.linesReceived == linesRead }

    func write(_ line: String) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(string: line + "\r\n"))
    }

    /// Sends a command and reads its reply; answers the reply's lines after the first (EHLO's extensions).
    mutating func command(_ line: String, expecting codes: Set<Int>, shownAs shown: String? = nil) async throws -> [String] {
        try await write(line)
        return try await reply(expecting: codes, to: shown ?? String(line.prefix(while: { $0 != "\r" }).prefix(40)))
    }

    /// Reads one reply, its lines `250-…` up to `250 …`.
    mutating func reply(expecting codes: Set<Int>, to command: String = "the greeting") async throws -> [String] {
        var lines: [String] = []
        while true {
            guard let line = try await replies.next() else { throw SMTPError.closed }
            linesRead += 1
            let code = Int(line.prefix(3)) ?? 0
            lines.append(String(line.dropFirst(4)))
            let last = line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-"
            guard last else {
                if lines.count > 100 { throw SMTPError.refused(command: command, code: code, text: "a reply of over 100 lines") }
                continue
            }
            guard codes.contains(code) else { throw SMTPError.refused(command: command, code: code, text: lines.joined(separator: " ")) }
            return Array(lines.dropFirst())
        }
    }

    /// AUTH PLAIN (RFC 4616), or LOGIN when that is all the server offers; only ever over TLS.
    mutating func authenticate(username: String, password: String, extensions: [String]) async throws {
        let mechanisms = extensions.first { $0.uppercased().hasPrefix("AUTH") }.map { $0.uppercased().split(separator: " ").dropFirst() } ?? []
        if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
            let credentials = Data(("\0" + username + "\0" + password).utf8).base64EncodedString()
            _ = try await command("AUTH PLAIN " + credentials, expecting: [235], shownAs: "AUTH PLAIN")
        } else {
            _ = try await command("AUTH LOGIN", expecting: [334])
            _ = try await command(Data(username.utf8).base64EncodedString(), expecting: [334], shownAs: "AUTH LOGIN (user)")
            _ = try await command(Data(password.utf8).base64EncodedString(), expecting: [235], shownAs: "AUTH LOGIN (password)")
        }
    }
}

/// Hands each line the server sends to the conversation, and counts them (to notice lines slipped in before TLS).
private final class SMTPLineHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let lines: AsyncThrowingStream<String, any Error>.Continuation
    private let received = Atomic<Int>(0)

    init(lines: AsyncThrowingStream<String, any Error>.Continuation) { self.lines = lines }

    var linesReceived: Int { received.load(ordering: .acquiring) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.add(1, ordering: .releasing)
        lines.yield(String(buffer: unwrapInboundIn(data)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lines.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        lines.finish()
        context.fireChannelInactive()
    }
}
