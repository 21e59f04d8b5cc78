import CVips
import DarkroomCore

/// The camera details in a photo's EXIF, as libvips reads them (`exif-ifd0-Model` and so on, each as
/// `raw (readable, type, count, bytes)`, the readable form libexif's: `28/10 (f/2.8, Rational, 1 components, 8 bytes)`).
/// Location fields are not camera details: `PhotoPosition` reads those, for the posting page alone.
enum CameraFields {
    static func read(_ image: VImage) -> CameraDetails? {
        func field(_ name: String) -> String? { Self.field(image, name) }
        let details = CameraDetails(
            make: field("exif-ifd0-Make"),
            model: field("exif-ifd0-Model"),
            lens: field("exif-ifd2-LensModel"),
            focalLength: field("exif-ifd2-FocalLength"),
            aperture: field("exif-ifd2-FNumber"),
            exposureTime: field("exif-ifd2-ExposureTime"),
            iso: field("exif-ifd2-ISOSpeedRatings") ?? field("exif-ifd2-PhotographicSensitivity")
        )
        return details.isEmpty ? nil : details
    }

    /// An EXIF field's readable form, nil when absent, empty or longer than 100 characters.
    static func field(_ image: VImage, _ name: String) -> String? {
        guard let pointer = darkroom_vips_string_field(image.pointer, name) else { return nil }
        var text = String(cString: pointer)
        if let open = text.range(of: " (", options: .backwards), text.hasSuffix(")") {
            // The readable form is what is left of the parentheses once the last three parts are taken off.
            let parts = text[open.upperBound..<text.index(before: text.endIndex)].split(separator: ", ")
            text = parts.count > 3 ? parts.dropLast(3).joined(separator: ", ") : String(text[..<open.lowerBound])
        }
        while text.last == " " { text.removeLast() }
        return text.isEmpty || text.count > 100 ? nil : text
    }
}
