import DarkroomCore
import DarkroomStorage
import Foundation
import Logging
import NIOPosix

/// Where Darkroom's mail goes (`serve --smtp-url`, `--mail-from`): to an SMTP server, or, without one, into the data
/// directory's mail folder (`MailFolder`), so a server on the embedded default still works.
public struct MailSettings: Sendable {
    public var sender: MailSender?
    public var smtp: SMTPSettings?

    public init(sender: MailSender? = nil, smtp: SMTPSettings? = nil) {
        self.sender = sender
        self.smtp = smtp
    }
}

/// Sends what a `SendMailJob` holds, the one way mail leaves Darkroom.
struct MailDelivery: Sendable {
    enum Transport: Sendable {
        case smtp(SMTPClient)
        case folder(MailFolder)
    }

    let transport: Transport
    let sender: MailSender
    let environment: SystemEnvironment
    let logger: Logger

    init(settings: MailSettings, publicURL: String, dataDirectory: String, environment: SystemEnvironment, logger: Logger) throws {
        let host = URLComponents(string: publicURL)?.host ?? "localhost"
        // Darkroom's own default sender: a host without a dot (localhost) or an IP address would not make an address
        // that mail servers take.
        let domain = host.contains(".") && !SMTPClient.isIPAddress(host) ? host : "localhost.localdomain"
        sender = settings.sender ?? MailSender(name: "Darkroom", address: "darkroom@" + domain)
        if let smtp = settings.smtp {
            transport = .smtp(try SMTPClient(settings: smtp, helloName: host))
        } else {
            transport = .folder(MailFolder(dataDirectory: dataDirectory))
        }
        self.environment = environment
        self.logger = logger
    }

    /// What the start-up log says of where mail goes.
    var summary: String {
        switch transport {
        case .smtp(let client): "mail goes through \(client.settings.description) from \(sender.address)"
        case .folder(let folder): "no --smtp-url: mail is written to \(folder.directory)/ (darkroom mail list)"
        }
    }

    func send(_ message: MailMessage) async throws {
        let id = environment.randomHex(bytes: 16)
        let date = Date(timeIntervalSince1970: TimeInterval(environment.nowMilliseconds()) / 1000)
        let rendered = message.rendered(from: sender, date: date, messageID: id + "@" + Validation.emailDomain(sender.address))
        switch transport {
        case .smtp(let client):
            do {
                try await client.send(rendered, from: sender.address, to: message.to)
            } catch let error as SMTPError where error.isPermanent {
                // Trying again cannot help: the message is dropped, and the operator told.
                logger.error("mail refused for good", metadata: ["to": "\(message.to)", "error": "\(error)"])
            }
        case .folder(let folder):
            let now = environment.nowSeconds
            _ = try await NIOThreadPool.singleton.runIfActive { try folder.write(rendered, at: now, id: id) }
        }
    }
}

extension JobRegistry {
    mutating func register(_ delivery: MailDelivery) {
        register(SendMailJob.self, concurrency: 2) { job, _ in try await delivery.send(job.message) }
    }
}
