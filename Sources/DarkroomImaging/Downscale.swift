import CResample
import CVips
import Foundation

/// Lanczos3 downscaling of 8-bit RGB: libvips' vertical pass (which has vector code), then a horizontal pass in C
/// (`darkroom_reduce_rows`, which libvips 8.14's has not: 23 of the 27 ms of a 2000→1080 resize, now about 4).
/// Up to 2.5 times smaller, where sixteen taps cover the kernel; larger reductions are left to libvips.
package enum Downscale {
    /// `image` at `width` by `height`; nil when this pass does not take it (another format, or too large a step).
    package static func scaled(_ image: VImage, width: Int, height: Int) throws(ImageError) -> VImage? {
        guard image.bands == 3, vips_image_get_format(image.pointer) == VIPS_FORMAT_UCHAR, width < image.width, height <= image.height,
            let taps = LanczosTaps(from: image.width, to: width)
        else { return nil }
        let rows =
            height == image.height
            ? image
            : try Vips.make(.undecodable) { darkroom_vips_reducev(image.pointer, $0, Double(image.height) / Double(height)) }.materialized()
        guard rows.height == height, let source = darkroom_vips_pixels_in_memory(rows.pointer) else {
            darkroom_vips_error_clear()
            return nil
        }
        var target: UnsafeMutablePointer<UInt8>?
        guard let made = darkroom_vips_new_pixels(Int32(width), Int32(height), 3, &target), let target else {
            darkroom_vips_error_clear()
            throw .unavailable("libvips could not allocate an image")
        }
        let scaled = VImage(made)
        var planes = [Int16](repeating: 0, count: 3 * (rows.width + 48))
        withExtendedLifetime(rows) {
            taps.starts.withUnsafeBufferPointer { starts in
                taps.weights.withUnsafeBufferPointer { weights in
                    darkroom_reduce_rows(
                        source,
                        rows.width * 3,
                        Int32(rows.width),
                        Int32(height),
                        starts.baseAddress,
                        weights.baseAddress,
                        Int32(width),
                        &planes,
                        target,
                        width * 3
                    )
                }
            }
        }
        return scaled
    }
}

/// Where each output pixel's sixteen taps start in the input row, and their weights in 1/16384ths: Lanczos3
/// stretched by the reduction, centred as libvips centres its samples, normalised to sum to exactly one.
struct LanczosTaps {
    var starts: [Int32] = []
    var weights: [Int16] = []

    init?(from inputWidth: Int, to outputWidth: Int) {
        let scale = Double(inputWidth) / Double(outputWidth)
        let support = 3 * scale
        guard outputWidth > 0, scale > 1, 2 * support + 1 <= 16 else { return nil }
        starts.reserveCapacity(outputWidth)
        weights.reserveCapacity(outputWidth * 16)
        for x in 0..<outputWidth {
            let centre = (Double(x) + 0.5) * scale - 0.5
            let first = Int((centre - support).rounded(.down)) + 1
            let values = (0..<16).map { Self.lanczos3((Double(first + $0) - centre) / scale) }
            let total = values.reduce(0, +)
            var fixed = values.map { Int16(($0 / total * 16384).rounded()) }
            // Rounding leaves the sum a little off one: the largest weight takes the difference, so flat areas stay flat.
            let largest = fixed.indices.max { fixed[$0] < fixed[$1] }!
            fixed[largest] += Int16(16384 - fixed.reduce(0) { $0 + Int($1) })
            starts.append(Int32(first))
            weights += fixed
        }
    }

    static func lanczos3(_ distance: Double) -> Double {
        guard distance != 0 else { return 1 }
        guard abs(distance) < 3 else { return 0 }
        let angle = Double.pi * distance
        return 3 * sin(angle) * sin(angle / 3) / (angle * angle)
    }
}
