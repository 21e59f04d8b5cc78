import Foundation

/// A filter's `Look` in the terms FFmpeg applies to video, so a video under a filter looks like a photo under it:
/// the tone tables and colour matrix sampled into a 3D LUT (`lut3d`), and the vignette as a black frame whose opacity
/// is what the vignette takes away, laid over each size (`overlay`). Both are exact for the photo pipeline's arithmetic
/// but for two roundings: the LUT is sampled on a 33³ grid (FFmpeg interpolates between), and a vignette that
/// brightens the middle (`centre` above 1) has that gain folded into the LUT, which clips a little earlier than a photo
/// would in the brightest middle tones.
enum VideoLook {
    static let cubeSize = 33

    /// The LUT in the `.cube` format FFmpeg reads: red varies fastest, values 0…1.
    static func cube(_ look: Look) -> String {
        let gain = look.vignette.map { max(1, $0.centre) } ?? 1
        let tables = look.tables
        let m = look.matrix
        func table(_ channel: Int, _ value: Double) -> Double {
            let position = value * 255
            let lower = Int(position.rounded(.down))
            let upper = min(255, lower + 1)
            let fraction = position - Double(lower)
            return tables[channel][lower] * (1 - fraction) + tables[channel][upper] * fraction
        }
        var text = "LUT_3D_SIZE \(cubeSize)\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n"
        text.reserveCapacity(cubeSize * cubeSize * cubeSize * 24)
        let last = Double(cubeSize - 1)
        for b in 0..<cubeSize {
            for g in 0..<cubeSize {
                for r in 0..<cubeSize {
                    let (tr, tg, tb) = (table(0, Double(r) / last), table(1, Double(g) / last), table(2, Double(b) / last))
                    let mixed = [
                        m[0] * tr + m[1] * tg + m[2] * tb, m[3] * tr + m[4] * tg + m[5] * tb, m[6] * tr + m[7] * tg + m[8] * tb,
                    ]
                    text += mixed.map { String(format: "%.5f", min(255, max(0, $0 * gain)) / 255) }.joined(separator: " ") + "\n"
                }
            }
        }
        return text
    }

    /// The vignette for a frame of `width`×`height` as a PAM image (black, its alpha what the vignette darkens), or nil
    /// when the look has none. Alpha is `1 − gain/centre`, the photo pipeline's gain with its middle brightening left to
    /// the LUT. PAM because FFmpeg reads it with no image library and it takes one loop to write.
    static func vignetteMask(_ look: Look, width: Int, height: Int) -> [UInt8]? {
        guard let vignette = look.vignette else { return nil }
        let centre = max(1, vignette.centre)
        var bytes = Array("P7\nWIDTH \(width)\nHEIGHT \(height)\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n".utf8)
        let header = bytes.count
        bytes += [UInt8](repeating: 0, count: width * height * 4)
        let (halfWidth, halfHeight) = (Double(width) / 2, Double(height) / 2)
        for y in 0..<height {
            let dy = (Double(y) + 0.5 - halfHeight) / halfHeight
            for x in 0..<width {
                let dx = (Double(x) + 0.5 - halfWidth) / halfWidth
                let distance = ((dx * dx + dy * dy) / 2).squareRoot()
                let t = min(1, max(0, (distance - vignette.start) / (1 - vignette.start)))
                let falloff = t * t * (3 - 2 * t)
                let gain = (vignette.centre * (1 - falloff) + (1 - vignette.strength) * falloff) / centre
                bytes[header + (y * width + x) * 4 + 3] = UInt8(max(0, min(255, ((1 - gain) * 255).rounded())))
            }
        }
        return bytes
    }
}

extension Filter {
    /// Whether video under this filter needs a LUT (every filter but Normal).
    var changesColour: Bool { !look.isIdentity }
}
