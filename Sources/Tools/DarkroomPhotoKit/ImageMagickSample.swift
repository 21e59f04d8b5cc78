import DarkroomImaging
import Foundation

/// A test photo made by ImageMagick's `convert` (which the test machines install for the bench and the format tests),
/// in a process of its own: the fallback for the HEIF samples libheif fails to make in-process (`SamplePhotos`).
package enum ImageMagickSample {
    package static func encode(_ png: [UInt8], as format: ImageFormat) throws(ImageError) -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-sample-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.png")
        let output = directory.appendingPathComponent("out.\(format == .avif ? "avif" : "heic")")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(png).write(to: input)
            let convert = Process()
            convert.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            convert.arguments = ["convert", input.path, "-quality", format == .avif ? "70" : "80", output.path]
            let errors = Pipe()
            convert.standardError = errors
            try convert.run()
            let said = errors.fileHandleForReading.readDataToEndOfFile()
            convert.waitUntilExit()
            guard convert.terminationStatus == 0 else {
                throw ImageError.unavailable("libheif failed in-process and convert said: \(String(decoding: said, as: UTF8.self))")
            }
            return [UInt8](try Data(contentsOf: output))
        } catch let error as ImageError {
            throw error
        } catch {
            throw .unavailable("convert could not make the \(format) sample: \(error)")
        }
    }
}
