import ArgumentParser
import DarkroomCommands
import DarkroomTools
import NIOCore
import NIOPosix

@main
struct Darkroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darkroom",
        abstract: "A self-hosted photo-sharing server that speaks the Instagram API v1.",
        subcommands: [
            Serve.self, Migrate.self, UserCommand.self, ClientCommand.self, TokenCommand.self, LocationsCommand.self, BackupCommand.self,
            RestoreCommand.self, ModerationCommand.self, JobsCommand.self, MediaCommand.self, MailCommand.self, FederationCommand.self,
        ] + ToolCommands.all,
        defaultSubcommand: Serve.self
    )

    static func main() async {
        // Tasks then run on the event loops that do the server's I/O: a request no longer hops between NIO's threads and
        // Swift's pool twice. Must happen before any task starts, so here, on the main thread.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            try await runCommand(&command)
        } catch {
            exit(withError: error)
        }
    }
}

private func runCommand(_ command: inout any ParsableCommand) async throws {
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
}
