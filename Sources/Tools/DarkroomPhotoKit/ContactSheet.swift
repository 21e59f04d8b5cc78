import CVips
import DarkroomImaging
import Foundation

/// Every filter applied to one photo, side by side with its name, for a person to judge the looks by eye.
public enum ContactSheet {
    public static func render(_ photo: [UInt8], pipeline: ImagePipeline, tile: Int = 306, across: Int = 5) throws(ImageError) -> [UInt8] {
        var tiles: [VImage] = []
        for filter in Filter.all {
            let preview = try pipeline.preview(photo, filter: filter, size: tile)
            let label = try Self.label(filter.name, width: tile)
            tiles.append(try Vips.make(.undecodable) { darkroom_vips_join_vertical(preview.pointer, label.pointer, $0) })
        }
        var pointers: [UnsafeMutablePointer<VipsImage>?] = tiles.map(\.pointer)
        let sheet = try Vips.make(.undecodable) { out in
            pointers.withUnsafeMutableBufferPointer { darkroom_vips_arrayjoin($0.baseAddress, Int32($0.count), Int32(across), 12, out) }
        }
        let framed = try Vips.make(.undecodable) {
            darkroom_vips_embed(sheet.pointer, $0, 12, 12, Int32(sheet.width + 24), Int32(sheet.height + 24), 255)
        }
        return try framed.jpeg(quality: 90)
    }

    /// Black text on white, centred in a strip as wide as a tile.
    private static func label(_ text: String, width: Int) throws(ImageError) -> VImage {
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let glyphs = try Vips.make(.undecodable) { darkroom_vips_text($0, escaped, 110) }
        let rgb = try Vips.make(.undecodable) { darkroom_vips_invert_to_rgb(glyphs.pointer, $0) }
        let height = glyphs.height + 16
        return try Vips.make(.undecodable) {
            darkroom_vips_embed(rgb.pointer, $0, Int32((width - glyphs.width) / 2), 8, Int32(width), Int32(height), 255)
        }
    }
}
