import CResample
import CVips
import DarkroomCore
import Foundation

/// Lanczos3 downscaling of 8-bit RGB, in C (`darkroom_reduce`): libvips 8.14's horizontal pass has no vector code
/// for 8-bit images (23 of the 27 ms of a 2000→1080 resize) and each of its passes is a pipeline of its own; this one
/// makes the whole reduction in about 8 ms with AVX2 (14 with SSE2 alone). Up to 2.5 times smaller, where sixteen taps
/// cover the kernel: `ImagePipeline` takes larger reductions by halves, and leaves other formats to libvips.
package enum Downscale {
    /// `region` of `image` (all of it by default) at `width` by `height`; nil when this pass does not take it.
    package static func scaled(_ image: VImage, region: PixelRect? = nil, width: Int, height: Int) throws(ImageError) -> VImage? {
        let area = region ?? PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        guard image.bands == 3, vips_image_get_format(image.pointer) == VIPS_FORMAT_UCHAR, area.x >= 0, area.y >= 0,
            area.x + area.width <= image.width, area.y + area.height <= image.height, width < area.width, height <= area.height,
            let columns = LanczosTaps(from: area.width, to: width), let rows = LanczosTaps(from: area.height, to: height)
        else { return nil }
        let source = try image.materialized()
        guard let pixels = darkroom_vips_pixels_in_memory(source.pointer).map({ $0 + (area.y * image.width + area.x) * 3 }) else {
            darkroom_vips_error_clear()
            return nil
        }
        var target: UnsafeMutablePointer<UInt8>?
        guard let made = darkroom_vips_new_pixels(Int32(width), Int32(height), 3, &target), let target else {
            darkroom_vips_error_clear()
            throw .unavailable("libvips could not allocate an image")
        }
        var scratch = [Int16](repeating: 0, count: 5 * area.width + 160)
        withExtendedLifetime(source) {
            rows.withTaps { rowTaps in
                columns.withTaps { columnTaps in
                    darkroom_reduce(
                        pixels,
                        image.width * 3,
                        Int32(area.width),
                        Int32(area.height),
                        rowTaps,
                        columnTaps,
                        Int32(width),
                        Int32(height),
                        &scratch,
                        target,
                        width * 3
                    )
                }
            }
        }
        return VImage(made)
    }
}

/// Where each output pixel's sixteen taps start in the input row, and their weights in 1/16384ths: Lanczos3
/// stretched by the reduction, centred as libvips centres its samples, normalised to sum to exactly one.
struct LanczosTaps {
    var starts: [Int32] = []
    var weights: [Int16] = []

    /// The same length (no reduction) is the identity; nil for a reduction sixteen taps do not cover.
    init?(from inputWidth: Int, to outputWidth: Int) {
        if inputWidth == outputWidth {
            starts = (0..<outputWidth).map(Int32.init)
            weights = (0..<outputWidth).flatMap { _ in [16384] + [Int16](repeating: 0, count: 15) }
            return
        }
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

    func withTaps<Result>(_ body: (darkroom_taps) -> Result) -> Result {
        starts.withUnsafeBufferPointer { starts in
            weights.withUnsafeBufferPointer { weights in body(darkroom_taps(starts: starts.baseAddress, weights: weights.baseAddress)) }
        }
    }

    static func lanczos3(_ distance: Double) -> Double {
        guard distance != 0 else { return 1 }
        guard abs(distance) < 3 else { return 0 }
        let angle = Double.pi * distance
        return 3 * sin(angle) * sin(angle / 3) / (angle * angle)
    }
}
