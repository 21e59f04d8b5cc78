/// Takes the metadata chunks out of a WebP file. libvips 8.14's WebP saver writes an EXIF chunk of its own (the
/// orientation, resolution and size) even when told to strip, and no option stops it; renditions carry no metadata
/// at all, so the chunks are cut here — a walk over the RIFF container's chunk list, which is all the format asks.
enum WebPMetadata {
    private static let metadataChunks: Set<String> = ["EXIF", "XMP ", "ICCP"]
    /// VP8X flag bits saying an ICC profile, EXIF or XMP chunk follows.
    private static let metadataFlags: UInt8 = 0x20 | 0x08 | 0x04

    static func removing(from webp: [UInt8]) -> [UInt8] {
        guard webp.count >= 12, webp[0..<4].elementsEqual("RIFF".utf8), webp[8..<12].elementsEqual("WEBP".utf8) else { return webp }
        var output = Array(webp[0..<12])
        var offset = 12
        while offset + 8 <= webp.count {
            let name = String(decoding: webp[offset..<(offset + 4)], as: UTF8.self)
            let size = (0..<4).reduce(0) { $0 | Int(webp[offset + 4 + $1]) << (8 * $1) }
            let end = min(webp.count, offset + 8 + size + size % 2)
            if !metadataChunks.contains(name) {
                var chunk = Array(webp[offset..<end])
                if name == "VP8X", chunk.count > 8 { chunk[8] &= ~metadataFlags }
                output += chunk
            }
            offset = end
        }
        let riffSize = UInt32(output.count - 8)
        for index in 0..<4 { output[4 + index] = UInt8(truncatingIfNeeded: riffSize >> (8 * UInt32(index))) }
        return output
    }
}
