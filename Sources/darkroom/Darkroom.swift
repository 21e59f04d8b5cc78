import ArgumentParser

@main
struct Darkroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darkroom",
        abstract: "A self-hosted photo-sharing server that speaks the Instagram API v1.",
        subcommands: [
            Serve.self, Migrate.self, UserCommand.self, ClientCommand.self, TokenCommand.self, LocationsCommand.self, Seed.self, Bench.self,
            FiltersCommand.self,
        ],
        defaultSubcommand: Serve.self)
}
