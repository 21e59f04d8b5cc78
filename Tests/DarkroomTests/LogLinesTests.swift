import DarkroomCommands
import Foundation
import Logging
import Synchronization
import Testing

/// The server's log lines: JSON a collector can parse whatever a message holds, and never a credential.
@Suite struct LogLinesTests {
    private func lines(format: LogFormat, _ write: (Logger) -> Void) -> [String] {
        let written = Mutex<[String]>([])
        let sink = LogSink { line in written.withLock { $0.append(line) } }
        let logger = Logger(label: "darkroom.test") { DarkroomLogHandler(label: $0, level: .trace, format: format, sink: sink) }
        write(logger)
        return written.withLock { $0 }
    }

    @Test func credentialsInMessagesAndMetadataAreRedacted() throws {
        let written = lines(format: .json) { logger in
            logger.error(
                "GET /oauth/access_token?client_secret=s3cr3t&code=c0de&redirect_uri=x failed: Bearer t0ken.abc, password=hunter2",
                metadata: [
                    "password": "hunter22", "darkroom_session": "sess10n", "url": "/v1/users/self?access_token=4cc355&count=2",
                    "barcode": "barcode=12345",
                ]
            )
        }
        let line = try #require(written.first)
        for secret in ["s3cr3t", "c0de", "t0ken.abc", "hunter2", "sess10n", "4cc355"] {
            #expect(!line.contains(secret), "\(secret) in \(line)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["message"]?.contains("redirect_uri=x") == true)
        #expect(object?["url"] == "/v1/users/self?access_token=[redacted]&count=2")
        #expect(object?["barcode"] == "barcode=12345", "a word that merely ends in a credential's name is kept")
        #expect(object?["level"] == "error" && object?["logger"] == "darkroom.test")
    }

    @Test func aMessageCannotForgeAnotherLineOrField() throws {
        let written = lines(format: .json) { logger in
            logger.info("evil\n{\"level\":\"critical\"}\"\u{1}", metadata: ["request_id": "abc"])
        }
        #expect(written.count == 1 && written[0].filter { $0 == "\n" }.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String]
        #expect(object?["message"] == "evil\n{\"level\":\"critical\"}\"\u{1}")
        #expect(object?["level"] == "info" && object?["request_id"] == "abc")
    }

    @Test func textLinesAreRedactedToo() {
        let written = lines(format: .text) { $0.warning("retrying ?access_token=abc123", metadata: ["client_secret": "xyz"]) }
        #expect(written.count == 1 && !written[0].contains("abc123") && !written[0].contains("xyz"))
        #expect(written[0].contains("warning darkroom.test: retrying ?access_token=[redacted]"))
    }
}
