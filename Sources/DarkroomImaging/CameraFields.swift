import CVips
import DarkroomCore

/// The camera details in a photo's EXIF, as libvips reads them (`exif-ifd0-Model` and so on, each formatted by libexif
/// as `value (raw, type, count, bytes)`). Location fields are never read.
enum CameraFields {
    static func read(_ image: VImage) -> CameraDetails? {
        func field(_ name: String) -> String? {
            guard let pointer = darkroom_vips_string_field(image.pointer, name) else { return nil }
            var text = String(cString: pointer)
            if let open = text.range(of: " (", options: .backwards) { text = String(text[..<open.lowerBound]) }
            while text.last == " " { text.removeLast() }
            return text.isEmpty || text.count > 100 ? nil : text
        }
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
}
