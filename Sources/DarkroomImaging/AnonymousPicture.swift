import CVips

/// The picture of a user who has not set one: a grey silhouette, drawn once at start.
public enum AnonymousPicture {
    public static func jpeg(size: Int = 150) throws(ImageError) -> [UInt8] {
        try Vips.start()
        var pixels = [UInt8](repeating: 219, count: size * size * 3)
        let s = Double(size)
        for y in 0..<size {
            for x in 0..<size {
                let (dx, dy) = (Double(x) - s / 2, Double(y))
                let head = (dx * dx + (dy - s * 0.38) * (dy - s * 0.38)).squareRoot() < s * 0.19
                let shoulders = dy > s * 0.62 && (dx * dx / (s * 0.36 * s * 0.36) + (dy - s) * (dy - s) / (s * 0.4 * s * 0.4)) < 1
                if head || shoulders { for band in 0..<3 { pixels[(y * size + x) * 3 + band] = 168 } }
            }
        }
        return try VImage.bytes(pixels, width: size, height: size, bands: 3).jpeg(quality: 90)
    }
}
