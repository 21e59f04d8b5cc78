import CVips
import Synchronization

/// Vignette masks depend only on the vignette and the frame's shape. Each is computed once at a small size (its
/// falloff is smooth, so nothing is lost) and kept as plain floats; a larger frame gets it stretched by libvips.
final class VignetteMasks: Sendable {
    static let shared = VignetteMasks()
    private let masks = Mutex<[Key: [Float]]>([:])
    /// Masks are computed at no more than this on their long edge: about 1 MB each.
    private static let computedEdge = 512

    private struct Key: Hashable {
        var vignette: Vignette
        var width: Int
        var height: Int
    }

    func mask(_ vignette: Vignette, width: Int, height: Int) throws(ImageError) -> VImage {
        let shrink = max(1, Double(max(width, height)) / Double(Self.computedEdge))
        let key = Key(
            vignette: vignette,
            width: max(1, Int((Double(width) / shrink).rounded())),
            height: max(1, Int((Double(height) / shrink).rounded()))
        )
        let values = masks.withLock { cached in
            if let mask = cached[key] { return mask }
            let mask = vignette.mask(width: key.width, height: key.height)
            if cached.count > 64 { cached.removeAll() }
            cached[key] = mask
            return mask
        }
        let small = try VImage.floats(values, width: key.width, height: key.height, bands: 1)
        guard key.width != width || key.height != height else { return small }
        let stretched = try Vips.make(.undecodable) {
            darkroom_vips_stretch(small.pointer, $0, Double(width) / Double(key.width), Double(height) / Double(key.height))
        }
        // Rounding can leave the stretched mask a pixel short; it is padded by its edge to the frame.
        guard stretched.width != width || stretched.height != height else { return stretched }
        return try Vips.make(.undecodable) { darkroom_vips_embed_copy(stretched.pointer, $0, Int32(width), Int32(height)) }
    }
}
