import DarkroomImaging
import Foundation

/// Photo-like pictures drawn from a number, so that a seeded data set looks like a photo site in screenshots: a few
/// kinds of landscape (mountains at dawn, the sea, a city at dusk, a forest, a field of flowers) and head-and-shoulders
/// portraits for profile pictures. Drawn here, never downloaded; the same number always draws the same picture.
public enum GeneratedScene {
    public enum Kind: Int, CaseIterable, Sendable {
        case mountains, sea, city, forest, flowers
    }

    public static func jpeg(_ kind: Kind, width: Int, height: Int, variant: UInt64) throws(ImageError) -> [UInt8] {
        var canvas = Canvas(width: width, height: height, seed: variant &* 0x9E37_79B9 &+ UInt64(kind.rawValue))
        switch kind {
        case .mountains: canvas.mountains()
        case .sea: canvas.sea()
        case .city: canvas.city()
        case .forest: canvas.forest()
        case .flowers: canvas.flowers()
        }
        return try canvas.jpeg()
    }

    public static func portrait(size: Int, variant: UInt64) throws(ImageError) -> [UInt8] {
        var canvas = Canvas(width: size, height: size, seed: variant &* 0x2545_F491 &+ 17)
        canvas.portrait()
        return try canvas.jpeg()
    }
}

/// An RGB picture in doubles (0...1) with the few shapes the scenes are made of.
private struct Canvas {
    typealias Colour = (r: Double, g: Double, b: Double)
    let width: Int
    let height: Int
    var pixels: [Double]
    var random: UInt64

    init(width: Int, height: Int, seed: UInt64) {
        (self.width, self.height, random) = (width, height, seed | 1)
        pixels = [Double](repeating: 0, count: width * height * 3)
    }

    /// xorshift64*: small, fast and the same everywhere.
    mutating func next() -> Double {
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        return Double((random &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(1 << 53)
    }

    mutating func range(_ low: Double, _ high: Double) -> Double { low + (high - low) * next() }

    static func mix(_ a: Colour, _ b: Colour, _ t: Double) -> Colour {
        (a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t)
    }

    mutating func set(_ x: Int, _ y: Int, _ colour: Colour, alpha: Double = 1) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let at = (y * width + x) * 3
        pixels[at] += (colour.r - pixels[at]) * alpha
        pixels[at + 1] += (colour.g - pixels[at + 1]) * alpha
        pixels[at + 2] += (colour.b - pixels[at + 2]) * alpha
    }

    /// The pixel rows or columns from `low` to `high` that lie within `0..<limit`, if any do.
    static func span(_ low: Double, _ high: Double, within limit: Int) -> [Int] {
        let (first, last) = (max(0, Int(low.rounded(.down))), min(limit - 1, Int(high.rounded(.up))))
        return first <= last ? Array(first...last) : []
    }

    mutating func gradient(from top: Colour, to bottom: Colour, rows: Range<Int>) {
        for y in rows {
            let colour = Self.mix(top, bottom, Double(y - rows.lowerBound) / Double(max(1, rows.count - 1)))
            for x in 0..<width { set(x, y, colour) }
        }
    }

    /// A disc with a soft edge (`glow` widens it into a halo).
    mutating func disc(x cx: Double, y cy: Double, radius: Double, _ colour: Colour, glow: Double = 1.5) {
        let reach = radius + glow
        for y in Self.span(cy - reach, cy + reach, within: height) {
            for x in Self.span(cx - reach, cx + reach, within: width) {
                let distance = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                let alpha = distance <= radius ? 1 : max(0, 1 - (distance - radius) / glow)
                if alpha > 0 { set(x, y, colour, alpha: alpha) }
            }
        }
    }

    mutating func ellipse(x cx: Double, y cy: Double, rx: Double, ry: Double, _ colour: Colour) {
        guard rx > 0, ry > 0 else { return }
        for y in Self.span(cy - ry - 1, cy + ry + 1, within: height) {
            for x in Self.span(cx - rx - 1, cx + rx + 1, within: width) {
                let d = ((Double(x) - cx) / rx) * ((Double(x) - cx) / rx) + ((Double(y) - cy) / ry) * ((Double(y) - cy) / ry)
                if d <= 1 { set(x, y, colour, alpha: min(1, (1 - d) * max(rx, ry) / 1.5)) }
            }
        }
    }

    mutating func rectangle(x: Int, y: Int, width w: Int, height h: Int, _ colour: Colour) {
        for row in Self.span(Double(y), Double(y + h - 1), within: height) {
            for column in Self.span(Double(x), Double(x + w - 1), within: width) { set(column, row, colour) }
        }
    }

    /// A ridge line by midpoint displacement: `base` (a fraction of the height) give or take `roughness`.
    mutating func ridge(base: Double, roughness: Double) -> [Double] {
        var points = [Double](repeating: base, count: 257)
        var step = 256
        var spread = roughness
        while step > 1 {
            for start in stride(from: 0, to: 256, by: step) {
                points[start + step / 2] = (points[start] + points[start + step]) / 2 + range(-spread, spread)
            }
            step /= 2
            spread *= 0.55
        }
        return (0..<width).map { points[$0 * 256 / max(1, width - 1)] * Double(height) }
    }

    /// Fills below a ridge, lighter at its crest and darker down (a slope in light).
    mutating func land(below line: [Double], top: Colour, bottom: Colour) {
        for x in 0..<width {
            let crest = min(height, max(0, Int(line[x])))
            for y in crest..<height { set(x, y, Self.mix(top, bottom, Double(y - crest) / Double(max(1, height - crest)))) }
        }
    }

    mutating func mountains() {
        let horizon = Int(Double(height) * 0.62)
        gradient(from: (0.16, 0.22, 0.45), to: (0.98, 0.66, 0.45), rows: 0..<horizon)
        gradient(from: (0.98, 0.66, 0.45), to: (0.9, 0.55, 0.45), rows: horizon..<height)
        disc(x: range(0.2, 0.8) * Double(width), y: Double(horizon) * 0.8, radius: Double(width) * 0.05, (1, 0.93, 0.75), glow: Double(width) * 0.06)
        let layers: [(Double, Colour, Colour)] = [
            (0.42, (0.55, 0.52, 0.66), (0.62, 0.55, 0.65)), (0.55, (0.33, 0.36, 0.48), (0.3, 0.3, 0.4)), (0.7, (0.16, 0.24, 0.2), (0.07, 0.1, 0.08)),
        ]
        for (base, top, bottom) in layers { land(below: ridge(base: base, roughness: 0.16), top: top, bottom: bottom) }
    }

    mutating func sea() {
        let horizon = Int(Double(height) * range(0.42, 0.55))
        gradient(from: (0.25, 0.5, 0.82), to: (0.85, 0.9, 0.95), rows: 0..<horizon)
        let sunX = range(0.25, 0.75) * Double(width)
        disc(x: sunX, y: Double(horizon) * 0.35, radius: Double(width) * 0.035, (1, 0.98, 0.88), glow: Double(width) * 0.05)
        gradient(from: (0.2, 0.45, 0.62), to: (0.04, 0.18, 0.32), rows: horizon..<height)
        for y in horizon..<height {
            let depth = Double(y - horizon) / Double(max(1, height - horizon))
            for x in 0..<width {
                let wave = sin(Double(x) * (0.02 + 0.05 * (1 - depth)) + Double(y) * 0.9 + range(0, 0.6))
                if wave > 0.85 { set(x, y, (0.75, 0.88, 0.95), alpha: 0.35 * (1 - depth * 0.5)) }
                let fromSun = abs(Double(x) - sunX) / (Double(width) * (0.03 + 0.12 * depth))
                if fromSun < 1, wave > 0.2 { set(x, y, (1, 0.97, 0.85), alpha: 0.55 * (1 - fromSun)) }
            }
        }
        land(below: ridge(base: 0.9, roughness: 0.04), top: (0.86, 0.78, 0.62), bottom: (0.74, 0.64, 0.48))
    }

    mutating func city() {
        gradient(from: (0.12, 0.1, 0.3), to: (0.95, 0.5, 0.35), rows: 0..<height)
        var x = 0
        while x < width {
            let w = Int(range(0.05, 0.12) * Double(width))
            let top = Int(range(0.25, 0.7) * Double(height))
            let shade = range(0.05, 0.16)
            rectangle(x: x, y: top, width: w, height: height - top, (shade, shade, shade * 1.3))
            let cell = max(4, width / 90)
            for wy in stride(from: top + cell, to: height - cell, by: cell * 2) {
                for wx in stride(from: x + cell, to: x + w - cell, by: cell * 2) where next() < 0.35 {
                    rectangle(x: wx, y: wy, width: cell, height: cell, (1, range(0.75, 0.9), range(0.4, 0.6)))
                }
            }
            x += w + Int(range(0, 0.02) * Double(width))
        }
    }

    mutating func forest() {
        let horizon = Int(Double(height) * 0.55)
        gradient(from: (0.55, 0.72, 0.88), to: (0.9, 0.93, 0.88), rows: 0..<horizon)
        land(below: ridge(base: 0.48, roughness: 0.08), top: (0.45, 0.58, 0.55), bottom: (0.4, 0.5, 0.45))
        gradient(from: (0.22, 0.36, 0.16), to: (0.12, 0.22, 0.08), rows: horizon..<height)
        for _ in 0..<90 {
            let depth = next()
            let base = Double(horizon) + depth * Double(height - horizon)
            let tall = (0.08 + 0.3 * depth) * Double(height)
            let cx = next() * Double(width)
            let green: Colour = (0.05 + 0.1 * (1 - depth), 0.2 + 0.15 * (1 - depth), 0.1 + 0.08 * (1 - depth))
            for y in Self.span(base - tall, base - 1, within: height) {
                let half = (Double(y) - (base - tall)) / tall * tall * 0.28
                for x in Self.span(cx - half, cx + half, within: width) { set(x, y, green) }
            }
        }
    }

    mutating func flowers() {
        let horizon = Int(Double(height) * 0.3)
        gradient(from: (0.45, 0.68, 0.95), to: (0.85, 0.92, 0.98), rows: 0..<horizon)
        gradient(from: (0.42, 0.6, 0.25), to: (0.18, 0.38, 0.1), rows: horizon..<height)
        let palette: [Colour] = [(0.95, 0.3, 0.35), (0.98, 0.85, 0.2), (0.95, 0.95, 0.95), (0.7, 0.35, 0.85), (1, 0.55, 0.2)]
        let tint = palette[Int(next() * Double(palette.count)) % palette.count]
        for _ in 0..<900 {
            let depth = next()
            let y = Double(horizon) + depth * depth * Double(height - horizon)
            let colour = next() < 0.7 ? tint : palette[Int(next() * Double(palette.count)) % palette.count]
            disc(x: next() * Double(width), y: y, radius: 0.5 + depth * depth * Double(width) * 0.018, colour, glow: 1)
        }
    }

    mutating func portrait() {
        let backgrounds: [Colour] = [(0.55, 0.68, 0.78), (0.85, 0.75, 0.6), (0.6, 0.72, 0.58), (0.78, 0.6, 0.65), (0.4, 0.42, 0.5)]
        let skins: [Colour] = [(0.98, 0.84, 0.72), (0.9, 0.7, 0.55), (0.76, 0.56, 0.4), (0.55, 0.38, 0.26), (0.38, 0.26, 0.18)]
        let hairs: [Colour] = [(0.1, 0.07, 0.05), (0.35, 0.22, 0.12), (0.75, 0.55, 0.3), (0.55, 0.25, 0.1), (0.8, 0.8, 0.78)]
        let clothes: [Colour] = [(0.15, 0.25, 0.45), (0.6, 0.15, 0.2), (0.2, 0.4, 0.3), (0.85, 0.85, 0.82), (0.25, 0.25, 0.28)]
        func pick(_ list: [Colour]) -> Colour { list[Int(next() * Double(list.count)) % list.count] }
        let (background, skin, hair, cloth) = (pick(backgrounds), pick(skins), pick(hairs), pick(clothes))
        let size = Double(width)
        gradient(from: background, to: Self.mix(background, (0, 0, 0), 0.25), rows: 0..<height)
        ellipse(x: size * 0.5, y: size * 1.02, rx: size * 0.42, ry: size * 0.3, cloth)
        rectangle(x: Int(size * 0.44), y: Int(size * 0.55), width: Int(size * 0.12), height: Int(size * 0.2), Self.mix(skin, (0, 0, 0), 0.12))
        let longHair = next() < 0.5
        if longHair { ellipse(x: size * 0.5, y: size * 0.5, rx: size * 0.25, ry: size * 0.3, hair) }
        ellipse(x: size * 0.5, y: size * 0.42, rx: size * 0.17, ry: size * 0.21, skin)
        ellipse(x: size * 0.5, y: size * 0.27, rx: size * 0.19, ry: size * 0.1, hair)
        for side in [-1.0, 1.0] { disc(x: size * (0.5 + side * 0.065), y: size * 0.42, radius: size * 0.014, (0.12, 0.1, 0.1), glow: 1) }
        ellipse(x: size * 0.5, y: size * 0.53, rx: size * 0.045, ry: size * 0.012, Self.mix(skin, (0.6, 0.2, 0.2), 0.5))
    }

    /// With film grain, so flat areas compress and look as photos do.
    mutating func jpeg() throws(ImageError) -> [UInt8] {
        try Vips.start()
        var bytes = [UInt8](repeating: 0, count: pixels.count)
        for index in pixels.indices {
            let grain = (next() - 0.5) * 0.035
            bytes[index] = UInt8(max(0, min(255, (pixels[index] + grain) * 255)))
        }
        return try VImage.bytes(bytes, width: width, height: height, bands: 3).jpeg(quality: 88)
    }
}
