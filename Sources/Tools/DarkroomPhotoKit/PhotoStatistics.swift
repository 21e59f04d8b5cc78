import CVips
import DarkroomImaging
import Foundation

/// What a filter measurably does to a photo: its mean colour, contrast, saturation and how much darker its corners
/// are than its centre. Tests pin each filter's character with these; `darkroom filters` prints them.
public struct PhotoStatistics: Sendable, CustomStringConvertible {
    public var red: Double
    public var green: Double
    public var blue: Double
    /// Mean Rec. 709 luma.
    public var luma: Double
    /// Standard deviation of luma.
    public var contrast: Double
    /// Mean of max(r,g,b) − min(r,g,b).
    public var saturation: Double
    /// Mean luma of the four corner patches over that of the centre patch.
    public var cornerToCentre: Double
    public var width: Int
    public var height: Int

    /// Warm (positive) or cool.
    public var warmth: Double { red - blue }
    /// Red and blue over green: magenta (positive) or green.
    public var pinkness: Double { (red + blue) / 2 - green }

    /// Decodes an encoded image and measures it.
    public init(of encoded: [UInt8]) throws(ImageError) {
        self.init(try DecodedPhoto(encoded))
    }

    public init(_ photo: DecodedPhoto) {
        let (pixels, width, height, bands) = (photo.pixels, photo.width, photo.height, photo.bands)
        self.width = width
        self.height = height
        var sums = (r: 0.0, g: 0.0, b: 0.0, luma: 0.0, lumaSquared: 0.0, saturation: 0.0)
        var lumas = [Double](repeating: 0, count: width * height)
        for index in 0..<(width * height) {
            let base = index * bands
            let r = Double(pixels[base])
            let g = Double(pixels[base + min(1, bands - 1)])
            let b = Double(pixels[base + min(2, bands - 1)])
            let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
            lumas[index] = luma
            sums.r += r
            sums.g += g
            sums.b += b
            sums.luma += luma
            sums.lumaSquared += luma * luma
            sums.saturation += max(r, g, b) - min(r, g, b)
        }
        let count = Double(width * height)
        red = sums.r / count
        green = sums.g / count
        blue = sums.b / count
        luma = sums.luma / count
        contrast = max(0, sums.lumaSquared / count - luma * luma).squareRoot()
        saturation = sums.saturation / count
        let patch = max(1, min(width, height) / 10)
        func mean(_ x0: Int, _ y0: Int) -> Double {
            var sum = 0.0
            for y in y0..<(y0 + patch) { for x in x0..<(x0 + patch) { sum += lumas[y * width + x] } }
            return sum / Double(patch * patch)
        }
        let corners = (mean(0, 0) + mean(width - patch, 0) + mean(0, height - patch) + mean(width - patch, height - patch)) / 4
        cornerToCentre = corners / max(1, mean((width - patch) / 2, (height - patch) / 2))
    }

    public var description: String {
        func f(_ value: Double) -> String { String(Double(Int((value * 100).rounded())) / 100) }
        return "rgb \(f(red))/\(f(green))/\(f(blue)) luma \(f(luma)) contrast \(f(contrast)) saturation \(f(saturation)) "
            + "warmth \(f(warmth)) pinkness \(f(pinkness)) corner/centre \(f(cornerToCentre))"
    }
}

/// An image decoded in full to 8-bit sRGB pixels, band-interleaved: for measuring results, never for uploads.
public struct DecodedPhoto: Sendable {
    public var width: Int
    public var height: Int
    public var bands: Int
    public var pixels: [UInt8]

    public init(_ encoded: [UInt8]) throws(ImageError) {
        try Vips.start()
        let image = try Vips.make(.undecodable) { out in
            encoded.withUnsafeBytes { darkroom_vips_decode($0.baseAddress, $0.count, out) }
        }
        let srgb = try Vips.make(.undecodable) { darkroom_vips_colourspace_srgb(image.pointer, $0) }
        (width, height, bands, pixels) = (srgb.width, srgb.height, srgb.bands, try srgb.pixels())
    }

    /// The mean of each band over a rectangle.
    public func mean(x: Int, y: Int, width w: Int, height h: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: bands)
        for row in y..<(y + h) {
            for column in x..<(x + w) {
                for band in 0..<bands { sums[band] += Double(pixels[(row * width + column) * bands + band]) }
            }
        }
        return sums.map { $0 / Double(w * h) }
    }
}
