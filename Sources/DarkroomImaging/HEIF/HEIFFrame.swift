import CVips

/// A HEIC's primary picture as an 8-bit RGB frame at 1/`shrink` of its size, made tile by tile: each tile is decoded,
/// shrunk into the frame and let go before the next, so a 12-megapixel phone photo never exists decoded whole (libheif
/// would hold all of it, 70–110 MB, see `HEIFPicture`). Upright, with its ICC profile attached for the caller to
/// convert from.
package enum HEIFFrame {
    package static func decode(_ bytes: [UInt8], shrink asked: Int, maxPixels: Int) throws(HEIFLayoutError) -> (frame: VImage, shrink: Int) {
        let picture = try HEIFPicture(bytes, maxPixels: maxPixels)
        // A tile's shrunk edge must be whole, so that tiles meet with no seam.
        let shrink = [8, 4, 2, 1].first {
            $0 <= asked && (picture.tiles.count == 1 || (picture.tileWidth % $0 == 0 && picture.tileHeight % $0 == 0))
        }!
        let (width, height) = ((picture.width + shrink - 1) / shrink, (picture.height + shrink - 1) / shrink)
        var target: UnsafeMutablePointer<UInt8>?
        guard let made = darkroom_vips_new_pixels(Int32(width), Int32(height), 3, &target), let target else {
            darkroom_vips_error_clear()
            throw HEIFLayoutError(reason: "no memory for the frame")
        }
        var frame = VImage(made)
        let converter = YCbCrConverter(picture.matrix)
        for (index, tile) in picture.tiles.enumerated() {
            let (left, top) = (index % picture.columns * picture.tileWidth, index / picture.columns * picture.tileHeight)
            let (shownWidth, shownHeight) = (min(picture.tileWidth, picture.width - left), min(picture.tileHeight, picture.height - top))
            try HEVCDecoder.decode(bytes, tile, configuration: picture.configuration, width: picture.tileWidth, height: picture.tileHeight) {
                converter.convert(
                    $0,
                    width: shownWidth,
                    height: shownHeight,
                    shrink: shrink,
                    into: target + (top / shrink * width + left / shrink) * 3,
                    stride: width * 3
                )
            }
        }
        if let profile = picture.iccProfile {
            profile.withUnsafeBytes { vips_image_set_blob_copy(frame.pointer, "icc-profile-data", $0.baseAddress, $0.count) }
        }
        for transform in picture.transforms {
            let current = frame
            frame = try Self.made {
                switch transform {
                // `irot` turns anti-clockwise, libvips clockwise.
                case .rotation(let quarterTurns): darkroom_vips_rotate(current.pointer, $0, Int32((4 - quarterTurns) % 4))
                case .mirror(let leftRight): darkroom_vips_flip(current.pointer, $0, leftRight ? 1 : 0)
                }
            }
        }
        return (frame, shrink)
    }

    private static func made(_ call: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32) throws(HEIFLayoutError) -> VImage {
        do { return try Vips.make(.undecodable, call) } catch { throw HEIFLayoutError(reason: "libvips could not turn the frame") }
    }
}

/// Y′CbCr 4:2:0 to 8-bit RGB in fixed point, shrinking as it goes: each output pixel is the mean of its
/// `shrink`×`shrink` luma samples and of the chroma samples under them (at a shrink of 2, exactly one).
struct YCbCrConverter {
    /// In 1/65536ths, with the rounding folded into `luma`.
    private var luma: [Int32] = []
    private var redFromRed: [Int32] = []
    private var greenFromBlue: [Int32] = []
    private var greenFromRed: [Int32] = []
    private var blueFromBlue: [Int32] = []

    init(_ matrix: YCbCrMatrix) {
        let kg = 1 - matrix.kr - matrix.kb
        let lumaScale = matrix.fullRange ? 1 : 255.0 / 219
        let chromaScale = matrix.fullRange ? 1 : 255.0 / 224
        let lumaOffset = matrix.fullRange ? 0.0 : 16
        func table(_ value: (Double) -> Double) -> [Int32] { (0..<256).map { Int32((value(Double($0)) * 65536).rounded()) } }
        luma = table { ($0 - lumaOffset) * lumaScale + 0.5 }
        redFromRed = table { ($0 - 128) * chromaScale * 2 * (1 - matrix.kr) }
        blueFromBlue = table { ($0 - 128) * chromaScale * 2 * (1 - matrix.kb) }
        greenFromBlue = table { -($0 - 128) * chromaScale * 2 * matrix.kb * (1 - matrix.kb) / kg }
        greenFromRed = table { -($0 - 128) * chromaScale * 2 * matrix.kr * (1 - matrix.kr) / kg }
    }

    /// The top-left `width`×`height` luma samples of `planes`, shrunk, written as RGB rows `stride` bytes apart.
    func convert(_ planes: YCbCrPlanes, width: Int, height: Int, shrink: Int, into target: UnsafeMutablePointer<UInt8>, stride: Int) {
        let (chromaWidth, chromaHeight) = ((width + 1) / 2, (height + 1) / 2)
        luma.withUnsafeBufferPointer { luma in
            redFromRed.withUnsafeBufferPointer { redFromRed in
                greenFromBlue.withUnsafeBufferPointer { greenFromBlue in
                    greenFromRed.withUnsafeBufferPointer { greenFromRed in
                        blueFromBlue.withUnsafeBufferPointer { blueFromBlue in
                            for row in 0..<(height + shrink - 1) / shrink {
                                let (top, bottom) = (row * shrink, min(row * shrink + shrink, height))
                                let (chromaTop, chromaBottom) = (top / 2, min(max(bottom / 2, top / 2 + 1), chromaHeight))
                                var pixel = target + row * stride
                                for column in 0..<(width + shrink - 1) / shrink {
                                    let (left, right) = (column * shrink, min(column * shrink + shrink, width))
                                    let y = Self.mean(planes.luma, planes.lumaStride, left..<right, top..<bottom)
                                    let chromaColumns = left / 2..<min(max(right / 2, left / 2 + 1), chromaWidth)
                                    let blue = Self.mean(planes.blue, planes.chromaStride, chromaColumns, chromaTop..<chromaBottom)
                                    let red = Self.mean(planes.red, planes.chromaStride, chromaColumns, chromaTop..<chromaBottom)
                                    let base = luma[y]
                                    pixel[0] = Self.clamped(base + redFromRed[red])
                                    pixel[1] = Self.clamped(base + greenFromBlue[blue] + greenFromRed[red])
                                    pixel[2] = Self.clamped(base + blueFromBlue[blue])
                                    pixel += 3
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func mean(_ plane: UnsafePointer<UInt8>, _ stride: Int, _ columns: Range<Int>, _ rows: Range<Int>) -> Int {
        let first = plane + rows.lowerBound * stride + columns.lowerBound
        if columns.count == 1, rows.count == 1 { return Int(first[0]) }
        // The luma of a shrink by 2, nearly every pixel of a phone photo's frame.
        if columns.count == 2, rows.count == 2 { return (Int(first[0]) + Int(first[1]) + Int(first[stride]) + Int(first[stride + 1]) + 2) >> 2 }
        var sum = 0
        for row in rows {
            let line = plane + row * stride
            for column in columns { sum += Int(line[column]) }
        }
        let count = columns.count * rows.count
        return (sum + count / 2) / count
    }

    @inline(__always)
    private static func clamped(_ value: Int32) -> UInt8 { UInt8(clamping: value >> 16) }
}
