import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage
import Foundation

struct FiltersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filters",
        abstract: "The classic filters: list them, measure them, render a contact sheet.",
        subcommands: [ListFilters.self, ContactSheetCommand.self],
        defaultSubcommand: ListFilters.self
    )
}

/// Each filter with what it does to a photo (the synthetic test photo unless one is given), as JSON lines.
struct ListFilters: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print each filter and its measured effect.")

    @Argument(help: "A JPEG, PNG or WebP photo to measure on (default: the built-in test photo).") var photo: String?

    func run() throws {
        let pipeline = try ImagePipeline()
        let input = try photo.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) } ?? SyntheticPhoto.jpeg(width: 800, height: 600)
        for filter in Filter.all {
            let statistics = try PhotoStatistics(of: pipeline.renditions(of: input, filter: filter).standard)
            print("\(filter.name): \(statistics)")
        }
    }
}

struct ContactSheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sheet",
        abstract: "Render every filter applied to IN side by side, with names, into OUT (JPEG)."
    )

    @Argument(help: "The photo (JPEG, PNG or WebP).") var input: String
    @Argument(help: "Where to write the sheet.") var output: String
    @Option(help: "Edge of each tile, in pixels.") var tile = 306

    func run() throws {
        let photo = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input)))
        let sheet = try ContactSheet.render(photo, pipeline: ImagePipeline(), tile: tile)
        try Data(sheet).write(to: URL(fileURLWithPath: output), options: .atomic)
        print("{\"output\":\"\(output)\",\"filters\":\(Filter.all.count),\"bytes\":\(sheet.count)}")
    }
}

extension ImageError: CustomStringConvertible {
    public var description: String { message }
}
