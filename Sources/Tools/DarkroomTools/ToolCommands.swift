import ArgumentParser

/// The tools' subcommands, which `darkroom` offers beside its own.
public enum ToolCommands {
    public static let all: [any ParsableCommand.Type] = [Seed.self, Bench.self, FiltersCommand.self, SampleArchiveCommand.self]
}
