import DarkroomCore

/// One email to send, enqueued in the transaction of what it tells (a link issued, a password changed), so a change
/// that commits is never left untold and one rolled back never mails. The server registers what sends it (SMTP, or the
/// mail folder) in `JobRegistry.server`; a failed attempt is retried with the queue's backoff for about a day.
///
/// The message may hold a single-use link: it lives in the `jobs` row only until it is sent, when the row is deleted.
public struct SendMailJob: BackgroundJob {
    public static let kind = "send-mail"
    public static let priority = JobPriority.standard
    public static let maximumAttempts: Int64 = 30

    public var message: MailMessage

    public init(_ message: MailMessage) { self.message = message }
}
