import CDe265

/// One coded picture's three planes, as the decoder holds them: valid only inside the call that hands them out.
struct YCbCrPlanes {
    var luma: UnsafePointer<UInt8>
    var lumaStride: Int
    var blue: UnsafePointer<UInt8>
    var red: UnsafePointer<UInt8>
    var chromaStride: Int
}

/// HEVC pictures sharing one configuration (a grid's tiles) decoded with libde265, the decoder libheif uses, in the
/// calling thread, one after another as the pictures of one stream: a decoder costs 1.5 ms to make and free, some
/// 70 ms of a phone photo's 48 tiles when each had its own.
final class HEVCDecoder {
    private let decoder: UnsafeMutableRawPointer
    private let width: Int
    private let height: Int
    private let lengthSize: Int

    /// `width` by `height`: the size the file says each picture has, which no parameter set may exceed.
    init(_ configuration: HEVCConfiguration, width: Int, height: Int) throws(HEIFLayoutError) {
        guard let decoder = de265_new_decoder() else { throw HEIFLayoutError(reason: "no decoder") }
        (self.decoder, self.width, self.height, lengthSize) = (decoder, width, height, configuration.lengthSize)
        for unit in configuration.parameterSets {
            _ = unit.withUnsafeBytes { de265_push_NAL(decoder, $0.baseAddress, Int32($0.count), 0, nil) }
        }
    }

    deinit { de265_free_decoder(decoder) }

    /// Decodes the picture coded in `range` of `bytes` (NAL units, each after its length) and hands `use` the planes
    /// of each picture the decoder has finished, in order; `finishing`: the last picture, after which every one is out.
    func decode(_ bytes: [UInt8], _ range: Range<Int>, finishing: Bool, _ use: (YCbCrPlanes) -> Void) throws(HEIFLayoutError) {
        var reader = ByteReader(bytes, from: range.lowerBound, to: range.upperBound)
        while reader.remaining > 0 {
            let length = try reader.read(lengthSize)
            try reader.skip(length)
            let unit = reader.position - length..<reader.position
            guard length >= 2 else { throw HEIFLayoutError(reason: "an empty NAL unit") }
            // A parameter set may also come with the picture: it is held to the same size.
            if HEVCConfiguration.unitType(bytes[unit]) == 33 {
                try HEVCConfiguration.checkSequenceParameters(bytes[unit], within: width, height)
            }
            _ = bytes.withUnsafeBytes { de265_push_NAL(decoder, $0.baseAddress! + unit.lowerBound, Int32(length), 0, nil) }
        }
        if finishing { de265_flush_data(decoder) } else { de265_push_end_of_frame(decoder) }
        var more: Int32 = 1
        while more != 0 {
            let status = de265_decode(decoder, &more)
            try handOut(use)
            guard status == DE265_OK else {
                if status == DE265_ERROR_WAITING_FOR_INPUT_DATA { break }
                throw HEIFLayoutError(reason: "the picture did not decode")
            }
        }
        try handOut(use)
    }

    private func handOut(_ use: (YCbCrPlanes) -> Void) throws(HEIFLayoutError) {
        while let picture = de265_peek_next_picture(decoder) {
            defer { de265_release_next_picture(decoder) }
            guard de265_get_chroma_format(picture) == de265_chroma_420,
                (0..<3).allSatisfy({ de265_get_bits_per_pixel(picture, Int32($0)) == 8 }),
                Int(de265_get_image_width(picture, 0)) >= width, Int(de265_get_image_height(picture, 0)) >= height
            else { throw HEIFLayoutError(reason: "a picture decoded to another format or size") }
            var strides: [Int32] = [0, 0, 0]
            guard let luma = de265_get_image_plane(picture, 0, &strides[0]), let blue = de265_get_image_plane(picture, 1, &strides[1]),
                let red = de265_get_image_plane(picture, 2, &strides[2]), strides[1] == strides[2]
            else { throw HEIFLayoutError(reason: "a picture has no planes") }
            use(YCbCrPlanes(luma: luma, lumaStride: Int(strides[0]), blue: blue, red: red, chromaStride: Int(strides[1])))
        }
    }
}
