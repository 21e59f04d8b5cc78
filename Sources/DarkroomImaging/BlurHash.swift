import DarkroomCore
import Foundation

/// BlurHash (blurha.sh): a photo's few lowest cosine components in a short string, which Mastodon and Pixelfed draw as
/// a placeholder while the photo loads. Hand-written: the format is a small published algorithm with no package on
/// the machine's list.
public enum BlurHash {
    /// The hash of 8-bit sRGB pixels (`bands` per pixel, the first three read), with `componentsX` × `componentsY`
    /// components (each 1 to 9).
    public static func encode(pixels: [UInt8], width: Int, height: Int, bands: Int, componentsX: Int = 4, componentsY: Int = 3) -> String {
        precondition((1...9).contains(componentsX) && (1...9).contains(componentsY) && pixels.count >= width * height * bands && bands >= 3)
        let linear = (0..<256).map { Self.linear(Double($0) / 255) }
        var factors: [(Double, Double, Double)] = []
        for j in 0..<componentsY {
            for i in 0..<componentsX {
                let normalisation: Double = (i == 0 && j == 0) ? 1 : 2
                var r = 0.0
                var g = 0.0
                var b = 0.0
                for y in 0..<height {
                    let cosY = cos(Double.pi * Double(j) * Double(y) / Double(height))
                    for x in 0..<width {
                        let basis = normalisation * cos(Double.pi * Double(i) * Double(x) / Double(width)) * cosY
                        let offset = (y * width + x) * bands
                        r += basis * linear[Int(pixels[offset])]
                        g += basis * linear[Int(pixels[offset + 1])]
                        b += basis * linear[Int(pixels[offset + 2])]
                    }
                }
                let scale = 1 / Double(width * height)
                factors.append((r * scale, g * scale, b * scale))
            }
        }
        var hash = base83((componentsX - 1) + (componentsY - 1) * 9, length: 1)
        let ac = factors.dropFirst()
        let maximum: Double
        if ac.isEmpty {
            maximum = 1
            hash += base83(0, length: 1)
        } else {
            let actual = ac.map { max(abs($0.0), abs($0.1), abs($0.2)) }.max() ?? 0
            let quantised = max(0, min(82, Int(floor(actual * 166 - 0.5))))
            maximum = Double(quantised + 1) / 166
            hash += base83(quantised, length: 1)
        }
        let dc = factors[0]
        hash += base83((srgb(dc.0) << 16) + (srgb(dc.1) << 8) + srgb(dc.2), length: 4)
        for factor in ac {
            func quantise(_ value: Double) -> Int { max(0, min(18, Int(floor(signedPow(value / maximum, 0.5) * 9 + 9.5)))) }
            hash += base83(quantise(factor.0) * 19 * 19 + quantise(factor.1) * 19 + quantise(factor.2), length: 2)
        }
        return hash
    }

    private static func linear(_ value: Double) -> Double { value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4) }

    private static func srgb(_ value: Double) -> Int {
        let v = max(0, min(1, value))
        return v <= 0.0031308 ? Int(v * 12.92 * 255 + 0.5) : Int((1.055 * pow(v, 1 / 2.4) - 0.055) * 255 + 0.5)
    }

    private static func signedPow(_ value: Double, _ exponent: Double) -> Double { copysign(pow(abs(value), exponent), value) }

    private static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~")

    private static func base83(_ value: Int, length: Int) -> String {
        var result = ""
        for position in 1...length {
            var divisor = 1
            for _ in 0..<(length - position) { divisor *= 83 }
            result.append(digits[(value / divisor) % 83])
        }
        return result
    }
}

extension ImagePipeline {
    /// The BlurHash of a photo (a rendition will do: only its colours at 32 pixels matter).
    public func blurHash(of photo: [UInt8]) throws(ImageError) -> String {
        let small = try preview(photo, filter: .normal, size: 32, crop: Crop(shape: .original))
        return BlurHash.encode(pixels: try small.pixels(), width: small.width, height: small.height, bands: small.bands)
    }
}
