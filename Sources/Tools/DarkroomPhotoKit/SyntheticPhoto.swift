import CVips
import DarkroomImaging
import Foundation

/// A deterministic, colourful test photo: every hue across, light to dark down, with texture, so filters, crops and
/// vignettes all show. Benchmarks use it when no real photo is given; tests use it as their fixed image.
public enum SyntheticPhoto {
    /// `variant` turns the hues, for sets of photos that differ.
    public static func jpeg(width: Int, height: Int, quality: Int = 90, variant: Int = 0) throws(ImageError) -> [UInt8] {
        try Vips.start()
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let v = 0.35 + 0.55 * (1 - Double(y) / Double(max(1, height - 1)))
            for x in 0..<width {
                let hue = (Double(x) / Double(width) * 6 + Double(variant) * 0.37).truncatingRemainder(dividingBy: 6)
                let texture = 0.08 * sin(Double(x) * 0.05) * cos(Double(y) * 0.043)
                let s = 0.55 + texture * 3
                let (r, g, b) = rgb(hue: hue, saturation: s, value: min(1, max(0, v + texture)))
                let base = (y * width + x) * 3
                pixels[base] = UInt8(r * 255)
                pixels[base + 1] = UInt8(g * 255)
                pixels[base + 2] = UInt8(b * 255)
            }
        }
        return try VImage.bytes(pixels, width: width, height: height, bands: 3).jpeg(quality: quality)
    }

    private static func rgb(hue: Double, saturation s: Double, value v: Double) -> (Double, Double, Double) {
        let c = v * s
        let x = c * (1 - abs(hue.truncatingRemainder(dividingBy: 2) - 1))
        let m = v - c
        let (r, g, b): (Double, Double, Double) =
            switch Int(hue) {
            case 0: (c, x, 0)
            case 1: (x, c, 0)
            case 2: (0, c, x)
            case 3: (0, x, c)
            case 4: (x, 0, c)
            default: (c, 0, x)
            }
        return (r + m, g + m, b + m)
    }
}
