import ArgumentParser
import DarkroomCommands
import DarkroomStorage

/// The mail a server without `--smtp-url` kept in `DATA/mail/` instead of sending: the operator reads it here and
/// passes links on by hand.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Read the mail kept in the data directory when no SMTP server is configured.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the kept messages, oldest first: file, date, recipient and subject.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only the latest this many.") var limit = 100

        func run() async throws {
            let entries = MailFolder(dataDirectory: storage.dataDir).list().suffix(max(1, limit))
            try printJSON(["messages": entries.map { ["file": $0.file, "date": $0.date, "to": $0.to, "subject": $0.subject] }])
        }
    }
}
