import CDe265

/// One coded picture's three planes, as the decoder holds them: valid only inside the call that hands them out.
struct YCbCrPlanes {
    var luma: UnsafePointer<UInt8>
    var lumaStride: Int
    var blue: UnsafePointer<UInt8>
    var red: UnsafePointer<UInt8>
    var chromaStride: Int
}

/// HEVC pictures decoded with libde265 (the decoder libheif uses, so a tile decodes here as it does there), one at a
/// time, in the calling thread.
enum HEVCDecoder {
    /// Decodes the picture coded in `range` of `bytes` (NAL units, each after its length) and hands its planes to
    /// `use`; `width` by `height` is the size the file says it has, and what a parameter set may not exceed.
    static func decode(
        _ bytes: [UInt8],
        _ range: Range<Int>,
        configuration: HEVCConfiguration,
        width: Int,
        height: Int,
        _ use: (YCbCrPlanes) -> Void
    ) throws(HEIFLayoutError) {
        guard let decoder = de265_new_decoder() else { throw HEIFLayoutError(reason: "no decoder") }
        defer { de265_free_decoder(decoder) }
        for unit in configuration.parameterSets {
            _ = unit.withUnsafeBytes { de265_push_NAL(decoder, $0.baseAddress, Int32($0.count), 0, nil) }
        }
        var reader = ByteReader(bytes, from: range.lowerBound, to: range.upperBound)
        while reader.remaining > 0 {
            let length = try reader.read(configuration.lengthSize)
            try reader.skip(length)
            let unit = reader.position - length..<reader.position
            guard length >= 2 else { throw HEIFLayoutError(reason: "an empty NAL unit") }
            // A parameter set may also come with the picture: it is held to the same size.
            if HEVCConfiguration.unitType(bytes[unit]) == 33 {
                try HEVCConfiguration.checkSequenceParameters(bytes[unit], within: width, height)
            }
            _ = bytes.withUnsafeBytes { de265_push_NAL(decoder, $0.baseAddress! + unit.lowerBound, Int32(length), 0, nil) }
        }
        de265_flush_data(decoder)
        var more: Int32 = 1
        while more != 0, de265_peek_next_picture(decoder) == nil {
            guard de265_decode(decoder, &more) == DE265_OK else { break }
        }
        guard let picture = de265_peek_next_picture(decoder) else { throw HEIFLayoutError(reason: "the tile did not decode") }
        defer { de265_release_next_picture(decoder) }
        guard de265_get_chroma_format(picture) == de265_chroma_420,
            (0..<3).allSatisfy({ de265_get_bits_per_pixel(picture, Int32($0)) == 8 }),
            Int(de265_get_image_width(picture, 0)) >= width, Int(de265_get_image_height(picture, 0)) >= height
        else { throw HEIFLayoutError(reason: "the tile decoded to another format or size") }
        var strides: [Int32] = [0, 0, 0]
        guard let luma = de265_get_image_plane(picture, 0, &strides[0]), let blue = de265_get_image_plane(picture, 1, &strides[1]),
            let red = de265_get_image_plane(picture, 2, &strides[2]), strides[1] == strides[2]
        else { throw HEIFLayoutError(reason: "the tile has no planes") }
        use(YCbCrPlanes(luma: luma, lumaStride: Int(strides[0]), blue: blue, red: red, chromaStride: Int(strides[1])))
    }
}
