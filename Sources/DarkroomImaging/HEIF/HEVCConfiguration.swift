/// An `hvcC` box: the HEVC parameter sets every coded picture of an item needs, and how its NAL units are framed.
struct HEVCConfiguration: Equatable {
    /// VPS, SPS and PPS NAL units, in the box's order.
    var parameterSets: [[UInt8]]
    /// Bytes of the length before each NAL unit in an item's data.
    var lengthSize: Int

    init(_ bytes: [UInt8], _ content: Range<Int>) throws(HEIFLayoutError) {
        var reader = ByteReader(bytes, from: content.lowerBound, to: content.upperBound)
        try reader.skip(16)
        let chroma = try reader.read(1) & 3
        let lumaDepth = (try reader.read(1) & 7) + 8
        let chromaDepth = (try reader.read(1) & 7) + 8
        // Only 8-bit 4:2:0 is converted here (`YCbCrFrame`); every phone writes it.
        guard chroma == 1, lumaDepth == 8, chromaDepth == 8 else { throw HEIFLayoutError(reason: "not 8-bit 4:2:0") }
        try reader.skip(2)
        lengthSize = (try reader.read(1) & 3) + 1
        parameterSets = []
        for _ in 0..<(try reader.read(1)) {
            try reader.skip(1)
            for _ in 0..<(try reader.read(2)) {
                let length = try reader.read(2)
                try reader.skip(length)
                parameterSets.append(Array(bytes[reader.position - length..<reader.position]))
            }
        }
        guard lengthSize != 3 else { throw HEIFLayoutError(reason: "a three-byte NAL length") }
    }

    /// Refuses a sequence parameter set whose picture is larger than the tile it codes: the decoder would allocate
    /// what it says, which is how a small file claims gigabytes.
    func check(within width: Int, _ height: Int) throws(HEIFLayoutError) {
        for unit in parameterSets where Self.unitType(unit) == 33 {
            try Self.checkSequenceParameters(unit, within: width, height)
        }
    }

    static func unitType(_ unit: some Collection<UInt8>) -> Int { Int((unit.first ?? 0) >> 1) & 0x3F }

    /// The picture size in an SPS (H.265 §7.3.2.2) against the tile's, allowing for the coded size's rounding up to
    /// whole coding blocks (64 at most).
    static func checkSequenceParameters(_ unit: some Collection<UInt8>, within width: Int, _ height: Int) throws(HEIFLayoutError) {
        var bits = RBSPReader(Array(unit.dropFirst(2)))
        try bits.skip(4)
        let subLayers = try bits.read(3)
        try bits.skip(1)
        // profile_tier_level: the general profile (88 bits) and level (8), then each sub-layer's flags and fields.
        try bits.skip(96)
        var present: [(profile: Bool, level: Bool)] = []
        for _ in 0..<subLayers { present.append((try bits.read(1) == 1, try bits.read(1) == 1)) }
        if subLayers > 0 { try bits.skip(2 * (8 - subLayers)) }
        for layer in present {
            if layer.profile { try bits.skip(88) }
            if layer.level { try bits.skip(8) }
        }
        _ = try bits.unsignedExpGolomb()
        if try bits.unsignedExpGolomb() == 3 { try bits.skip(1) }
        let (codedWidth, codedHeight) = (try bits.unsignedExpGolomb(), try bits.unsignedExpGolomb())
        guard codedWidth <= width + 64, codedHeight <= height + 64 else {
            throw HEIFLayoutError(reason: "a coded picture of \(codedWidth)x\(codedHeight) in a \(width)x\(height) tile", refused: true)
        }
    }
}

/// The bits of a NAL unit's payload, its emulation-prevention bytes (00 00 03) taken out.
struct RBSPReader {
    private var payload: [UInt8] = []
    private var bit = 0

    init(_ unit: [UInt8]) {
        var zeros = 0
        for byte in unit {
            if zeros >= 2, byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            payload.append(byte)
        }
    }

    mutating func read(_ count: Int) throws(HEIFLayoutError) -> Int {
        guard count <= 32, bit + count <= payload.count * 8 else { throw HEIFLayoutError(reason: "a parameter set ends early") }
        var value = 0
        for _ in 0..<count {
            value = value << 1 | Int(payload[bit >> 3] >> (7 - UInt8(bit & 7)) & 1)
            bit += 1
        }
        return value
    }

    mutating func skip(_ count: Int) throws(HEIFLayoutError) {
        guard bit + count <= payload.count * 8 else { throw HEIFLayoutError(reason: "a parameter set ends early") }
        bit += count
    }

    /// ue(v).
    mutating func unsignedExpGolomb() throws(HEIFLayoutError) -> Int {
        var leadingZeros = 0
        while try read(1) == 0 {
            leadingZeros += 1
            guard leadingZeros <= 31 else { throw HEIFLayoutError(reason: "an exp-Golomb code too long") }
        }
        return (1 << leadingZeros) - 1 + (try read(leadingZeros))
    }
}
