/// A HEIF file's primary picture as its `meta` box lays it out: one HEVC-coded image, or a grid of them (as phones
/// write photos: 512-px tiles), with the properties that say how to show it.
///
/// Read by hand for one measurement (issue 31's memory bar): libheif 1.15 hands out only whole pictures, and decoding
/// a 12-megapixel HEIC whole takes 70–110 MB; read tile by tile (`HEIFFrame`), it takes a few. Only what that needs
/// is read, and a layout outside it throws `HEIFLayoutError`, for libvips (with libheif) to decode instead: a picture
/// with an alpha plane, a clean-aperture crop, more than 8 bits, other than 4:2:0, or any essential property unknown here.
struct HEIFPicture {
    /// The coded images, row by row; one for a single-image file.
    var tiles: [Range<Int>]
    var configuration: HEVCConfiguration
    var columns: Int
    var rows: Int
    var tileWidth: Int
    var tileHeight: Int
    /// The picture's size before its rotation and mirroring.
    var width: Int
    var height: Int
    /// Rotations and mirrorings, in the order they apply.
    var transforms: [Transform]
    var iccProfile: [UInt8]?
    var matrix: YCbCrMatrix

    enum Transform: Equatable {
        /// Anti-clockwise, in quarter turns (`irot`).
        case rotation(quarterTurns: Int)
        /// `imir`: left and right swap, or top and bottom.
        case mirror(leftRight: Bool)
    }

    /// `maxPixels` bounds the picture and what its tiles may add to it, before anything is decoded.
    init(_ bytes: [UInt8], maxPixels: Int) throws(HEIFLayoutError) {
        let file = try HEIFItems(bytes)
        guard let primary = file.types[file.primary] else { throw HEIFLayoutError(reason: "no primary item") }
        if file.auxiliaries(of: file.primary).contains(where: { file.auxiliaryType(of: $0)?.contains("alpha") ?? true }) {
            throw HEIFLayoutError(reason: "an alpha plane")
        }
        let shown = try Self.shownProperties(file.properties(of: file.primary), bytes: bytes)
        let tileItems: [Int]
        switch primary {
        case "hvc1":
            tileItems = [file.primary]
            (columns, rows) = (1, 1)
            guard let size = shown.size else { throw HEIFLayoutError(reason: "no size") }
            (width, height) = size
        case "grid":
            tileItems = file.references["dimg", default: [:]][file.primary] ?? []
            var grid = ByteReader(try file.data(of: file.primary), from: 0, to: .max)
            _ = try grid.read(1)
            let fieldWidth = try grid.read(1) & 1 == 1 ? 4 : 2
            rows = try grid.read(1) + 1
            columns = try grid.read(1) + 1
            (width, height) = (try grid.read(fieldWidth), try grid.read(fieldWidth))
            guard tileItems.count == rows * columns, shown.size == nil || shown.size! == (width, height) else {
                throw HEIFLayoutError(reason: "the grid does not match its tiles or its size")
            }
        default:
            throw HEIFLayoutError(reason: "a \(primary) picture")
        }
        var tileSize: (Int, Int)?
        var configuration: HEVCConfiguration?
        for item in tileItems {
            guard file.types[item] == "hvc1" else { throw HEIFLayoutError(reason: "a tile that is not HEVC") }
            let tile = try Self.codedProperties(file.properties(of: item), bytes: bytes, shown: item == file.primary)
            // Every tile shares the first one's size and parameter sets, as every phone writes them.
            guard tileSize.map({ $0 == tile.size }) ?? true, configuration.map({ $0 == tile.configuration }) ?? true else {
                throw HEIFLayoutError(reason: "tiles that differ")
            }
            (tileSize, configuration) = (tile.size, tile.configuration)
        }
        guard let (tileWidth, tileHeight) = tileSize, let configuration else { throw HEIFLayoutError(reason: "no tiles") }
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.configuration = configuration
        // The tiles cover the picture, with less than a tile left over at its right and bottom edges, and the
        // picture is within the pixel limit: what a bomb would claim is refused before any decode.
        let limit = 1 << 20
        guard (1...limit).contains(width), (1...limit).contains(height), (1...limit).contains(tileWidth), (1...limit).contains(tileHeight)
        else { throw HEIFLayoutError(reason: "a size out of range") }
        guard width * height <= maxPixels,
            columns * tileWidth >= width, (columns - 1) * tileWidth < width,
            rows * tileHeight >= height, (rows - 1) * tileHeight < height,
            columns * tileWidth * rows * tileHeight <= 2 * width * height + 4096 * 4096
        else { throw HEIFLayoutError(reason: "tiles that do not cover the picture") }
        try configuration.check(within: tileWidth, tileHeight)
        tiles = try tileItems.map { item throws(HEIFLayoutError) in try file.fileRange(of: item) }
        transforms = shown.transforms
        iccProfile = shown.profile
        matrix = shown.matrix ?? .default
    }

    /// What the primary item's properties say of the picture as shown.
    private struct Shown {
        var size: (Int, Int)?
        var transforms: [Transform] = []
        var profile: [UInt8]?
        var matrix: YCbCrMatrix?
    }

    private static func shownProperties(_ properties: [(box: ISOBox, essential: Bool)], bytes: [UInt8]) throws(HEIFLayoutError) -> Shown {
        var shown = Shown()
        for (box, essential) in properties {
            var reader = ByteReader(bytes, from: box.content.lowerBound, to: box.content.upperBound)
            switch box.type {
            case "ispe":
                try reader.skip(4)
                shown.size = (try reader.read(4), try reader.read(4))
            case "irot": shown.transforms.append(.rotation(quarterTurns: try reader.read(1) & 3))
            // The 2017 text's "axis" read either way; its second amendment settled on what iPhones and libheif do:
            // 1 swaps left and right (a front camera's mirrored selfie), 0 top and bottom.
            case "imir": shown.transforms.append(.mirror(leftRight: try reader.read(1) & 1 == 1))
            case "colr":
                switch try reader.fourCC() {
                case "prof", "rICC": shown.profile = Array(bytes[reader.position..<reader.end])
                case "nclx":
                    try reader.skip(4)
                    let coefficients = try reader.read(2)
                    let fullRange = try reader.read(1) & 0x80 != 0
                    guard let matrix = YCbCrMatrix(coefficients: coefficients, fullRange: fullRange) else {
                        throw HEIFLayoutError(reason: "matrix coefficients \(coefficients)")
                    }
                    shown.matrix = matrix
                default: continue
                }
            case "pixi":
                try reader.skip(4)
                for _ in 0..<(try reader.read(1)) where try reader.read(1) != 8 { throw HEIFLayoutError(reason: "more than 8 bits") }
            case "hvcC", "pasp", "rloc", "auxC": continue
            default:
                if essential || box.type == "clap" { throw HEIFLayoutError(reason: "property \(box.type)") }
            }
        }
        return shown
    }

    /// A coded image's size and configuration. `shown`: the picture itself (a single image), whose other properties
    /// `shownProperties` reads; a grid's tile may have none of its own.
    private static func codedProperties(
        _ properties: [(box: ISOBox, essential: Bool)],
        bytes: [UInt8],
        shown: Bool
    ) throws(HEIFLayoutError) -> (size: (Int, Int), configuration: HEVCConfiguration) {
        var size: (Int, Int)?
        var configuration: HEVCConfiguration?
        for (box, essential) in properties {
            switch box.type {
            case "hvcC": configuration = try HEVCConfiguration(bytes, box.content)
            case "ispe":
                var reader = ByteReader(bytes, from: box.content.lowerBound + 4, to: box.content.upperBound)
                size = (try reader.read(4), try reader.read(4))
            case "pixi": continue  // the bit depth is the configuration's
            default:
                // A single image's other properties are the picture's (`shownProperties`); a tile's own rotation, crop
                // or anything essential would be outside what this reader does.
                if !shown, essential || ["irot", "imir", "clap"].contains(box.type) {
                    throw HEIFLayoutError(reason: "tile property \(box.type)")
                }
            }
        }
        guard let size, let configuration else { throw HEIFLayoutError(reason: "a tile without its size or configuration") }
        return (size, configuration)
    }
}

/// How Y′CbCr turns into R′G′B′: the matrix's red and blue weights, and whether the values use the full 0–255.
struct YCbCrMatrix: Equatable {
    var kr: Double
    var kb: Double
    var fullRange: Bool

    /// libheif's reading of a file that says nothing: BT.601, full range.
    static let `default` = YCbCrMatrix(kr: 0.299, kb: 0.114, fullRange: true)

    /// From an `nclx` box's matrix coefficients (ITU-T H.273); nil for one this reader does not convert.
    init?(coefficients: Int, fullRange: Bool) {
        switch coefficients {
        case 1: (kr, kb) = (0.2126, 0.0722)
        case 2, 5, 6: (kr, kb) = (0.299, 0.114)
        case 9: (kr, kb) = (0.2627, 0.0593)
        default: return nil
        }
        self.fullRange = fullRange
    }

    init(kr: Double, kb: Double, fullRange: Bool) {
        (self.kr, self.kb, self.fullRange) = (kr, kb, fullRange)
    }
}
