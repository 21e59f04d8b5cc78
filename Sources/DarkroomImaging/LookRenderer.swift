/// Applies a look to 8-bit RGB pixels in one pass: each channel through its table, the colour matrix, the vignette's
/// gain, rounded back to bytes. Hand-written because a measurement demanded it: libvips' chain for the same steps
/// (maplut, then recomb into a float image, a vignette mask stretched to the frame and multiplied in, then a cast)
/// took 110–180 ms of a 12-megapixel photo's ingest on its 2000×1500 frame, most of it in float intermediates and
/// the mask's resize; this pass does the arithmetic once per pixel with no image in between (`darkroom bench ingest`).
///
/// The arithmetic is in fixed point with integer tables, because a per-pixel float pass (a square root and a rounding
/// call per channel) still took 45 ms of that frame, by `perf`: the table and the matrix fold into nine tables of
/// `fractionBits`, and the vignette's gain, which depends only on the squared distance from the centre, is read from
/// a table over that distance in `gainSteps` steps (at most a tenth of a level off its exact value).
enum LookRenderer {
    private static let fractionBits = 12
    private static let gainSteps = 4096

    static func apply(_ look: Look, from source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, width: Int, height: Int) {
        let one = Double(1 << fractionBits)
        // mixed[(output * 3 + input) * 256 + value]: what an input channel's value adds to an output channel.
        let table = look.lookupTable
        var mixed = [Int32](repeating: 0, count: 9 * 256)
        for output in 0..<3 {
            for input in 0..<3 {
                let weight = look.matrix[output * 3 + input]
                for value in 0..<256 {
                    mixed[(output * 3 + input) * 256 + value] = Int32((weight * Double(table[value * 3 + input]) * one).rounded())
                }
            }
        }
        let gains = gainTable(look.vignette, one: one)
        // A pixel's squared distance from the centre, halved and in `gainSteps`: a column's part plus its row's.
        func distanceSteps(_ position: Int, _ length: Int) -> Int {
            let half = Double(length) / 2
            let offset = (Double(position) + 0.5 - half) / half
            return Int((offset * offset / 2 * Double(gainSteps)).rounded())
        }
        let columns = (0..<width).map { distanceSteps($0, width) }
        let shift = Int64(2 * fractionBits)
        let half = Int64(1) << (shift - 1)
        mixed.withUnsafeBufferPointer { mixed in
            gains.withUnsafeBufferPointer { gains in
                columns.withUnsafeBufferPointer { columns in
                    for y in 0..<height {
                        let row = distanceSteps(y, height)
                        var index = y * width * 3
                        for x in 0..<width {
                            let (r, g, b) = (Int(source[index]), Int(source[index + 1]), Int(source[index + 2]))
                            let gain = Int64(gains[min(gainSteps, columns[x] + row)])
                            for output in 0..<3 {
                                let base = output * 768
                                let value = Int64(mixed[base + r]) + Int64(mixed[base + 256 + g]) + Int64(mixed[base + 512 + b])
                                target[index + output] = UInt8(clamping: (value * gain + half) >> shift)
                            }
                            index += 3
                        }
                    }
                }
            }
        }
    }

    /// The vignette's gain at each step of the halved squared distance from the centre (0 at the centre, 1 at a
    /// corner): 1 up to `start`, easing (smoothstep) down to `1 - strength` at the corners, scaled by `centre`.
    private static func gainTable(_ vignette: Vignette?, one: Double) -> [Int32] {
        (0...gainSteps).map { step in
            guard let vignette else { return Int32(one) }
            let distance = (Double(step) / Double(gainSteps)).squareRoot()
            let t = min(1, max(0, (distance - vignette.start) / (1 - vignette.start)))
            let falloff = t * t * (3 - 2 * t)
            return Int32(((vignette.centre * (1 - falloff) + (1 - vignette.strength) * falloff) * one).rounded())
        }
    }
}
