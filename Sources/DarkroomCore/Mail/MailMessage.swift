import Foundation

/// One email Darkroom sends: to one address, with a plain-text and an HTML body. Stored in a job as it is, and turned
/// into the bytes of a message (RFC 5322, MIME) only when it is sent or written to the mail folder.
public struct MailMessage: Codable, Sendable, Equatable {
    /// An address `Validation.email` accepted: nothing in it can end a header.
    public var to: String
    public var subject: String
    public var text: String
    public var html: String

    public init(to: String, subject: String, text: String, html: String) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// The message as sent. Header injection is impossible by construction: addresses were validated when they were
    /// stored, and every other header value (the subject, the sender's name) is written as an RFC 2047 encoded word
    /// whenever it holds anything but printable ASCII, so a CR or LF in it becomes base64, never a line break. Bodies
    /// are base64 too, in lines of 76, so no line is too long and none starts with a dot.
    public func rendered(from sender: MailSender, date: Date, messageID: String) -> String {
        let boundary = "darkroom-" + messageID.prefix(while: { $0 != "@" })
        var lines = [
            "From: \(Self.headerValue(sender.name)) <\(sender.address)>",
            "To: <\(to)>",
            "Subject: \(Self.headerValue(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--" + boundary, "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += Self.base64Lines(body)
        }
        lines.append("--" + boundary + "--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A header value as it is when it is printable ASCII, else as one or more encoded words.
    static func headerValue(_ value: String) -> String {
        if value.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) && !value.contains("=?") { return value }
        // Encoded words are at most 75 characters: 45 bytes of text each, cut between characters.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?b?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?utf-8?b?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    static func base64Lines(_ body: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(encoded[from..<(encoded.index(from, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

/// Who Darkroom's mail comes from (`serve --mail-from`).
public struct MailSender: Sendable, Equatable {
    public var name: String
    /// A validated address.
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }

    /// `Name <address>` or a bare address, as an operator writes it.
    public init(parsing text: String) throws(DomainError) {
        let trimmed = text.trimmingSpaces()
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let name = String(trimmed[..<open]).trimmingSpaces().trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let address = String(trimmed[trimmed.index(after: open)...].dropLast())
            self.init(name: name.isEmpty ? "Darkroom" : name, address: try Validation.email(address))
        } else {
            self.init(name: "Darkroom", address: try Validation.email(trimmed))
        }
    }
}
