import CVips
import DarkroomImaging

/// A HEIC laid out as phones write it: a grid of separately coded tiles (512 px on iPhones) that a reader joins and
/// crops to the picture's size. libheif 1.15 writes only single-image files, so the tiles are encoded one by one and
/// this file puts their coded data under one `grid` item — hand-written, as no tool on the machine writes grids.
public enum HEIFGrid {
    /// `photo` (any accepted format) as a grid HEIC of `tile`-pixel tiles. `shown`: property boxes of the picture
    /// as shown, in the order they apply (`rotation`, `mirror`); `claimedTile`: a size for the file to claim for its
    /// tiles and the picture, instead of the coded ones (a decompression bomb's shape: small claims, large pictures).
    public static func make(from photo: [UInt8], tile: Int = 512, shown: [[UInt8]] = [], claimedTile: Int? = nil) throws(ImageError) -> [UInt8] {
        let image = try SamplePhotos.decoded(photo)
        let (columns, rows) = ((image.width + tile - 1) / tile, (image.height + tile - 1) / tile)
        var tiles: [Coded] = []
        for row in 0..<rows {
            for column in 0..<columns {
                let (left, top) = (column * tile, row * tile)
                let part = try Vips.make(.undecodable) {
                    darkroom_vips_extract_area(
                        image.pointer,
                        $0,
                        Int32(left),
                        Int32(top),
                        Int32(min(tile, image.width - left)),
                        Int32(min(tile, image.height - top))
                    )
                }
                let padded = try Vips.make(.undecodable) { darkroom_vips_embed(part.pointer, $0, 0, 0, Int32(tile), Int32(tile), 128) }
                guard let coded = Coded(heic: try SamplePhotos.encode(padded, as: .heic)) else { throw .undecodable }
                tiles.append(coded)
            }
        }
        let (width, height) = claimedTile.map { ($0 * columns, $0 * rows) } ?? (image.width, image.height)
        return file(tiles, columns: columns, rows: rows, width: width, height: height, tile: claimedTile ?? tile, shown: shown)
    }

    /// An `irot` box: `quarterTurns` anti-clockwise.
    public static func rotation(quarterTurns: UInt8) -> [UInt8] { HEIFBox.make("irot", [quarterTurns & 3]) }

    /// An `imir` box: left and right swapped (as an iPhone mirrors a selfie), or top and bottom.
    public static func mirror(leftRight: Bool) -> [UInt8] { HEIFBox.make("imir", [leftRight ? 1 : 0]) }

    /// One tile's HEVC configuration (its `hvcC` box) and coded picture, read from a single-image HEIC.
    struct Coded {
        var configuration: [UInt8]
        var data: [UInt8]

        init?(heic: [UInt8]) {
            guard let items = try? HEIFItems(heic), let data = try? items.data(of: items.primary),
                let configuration = (try? items.properties(of: items.primary))?.first(where: { $0.box.type == "hvcC" })?.box
            else { return nil }
            self.configuration = Array(heic[configuration.content.lowerBound - 8..<configuration.content.upperBound])
            self.data = data
        }
    }

    /// The grid file: item 1 is the grid (its data the ImageGrid structure), items 2… the tiles, hidden, in rows.
    private static func file(_ tiles: [Coded], columns: Int, rows: Int, width: Int, height: Int, tile: Int, shown: [[UInt8]]) -> [UInt8] {
        let count = tiles.count
        let ftyp = HEIFBox.make("ftyp", Array("heic".utf8) + UInt32(0).bigEndianBytes + Array("mif1heic".utf8))
        let hdlr = HEIFBox.full("hdlr", UInt32(0).bigEndianBytes + Array("pict".utf8) + [UInt8](repeating: 0, count: 13))
        let pitm = HEIFBox.full("pitm", UInt16(1).bigEndianBytes)
        var entries = HEIFBox.full("infe", version: 2, UInt16(1).bigEndianBytes + [0, 0] + Array("grid".utf8) + [0])
        for index in 0..<count {
            entries += HEIFBox.full("infe", version: 2, flags: 1, UInt16(index + 2).bigEndianBytes + [0, 0] + Array("hvc1".utf8) + [0])
        }
        let iinf = HEIFBox.full("iinf", UInt16(count + 1).bigEndianBytes + entries)
        let references = (0..<count).flatMap { UInt16($0 + 2).bigEndianBytes }
        let iref = HEIFBox.full("iref", HEIFBox.make("dimg", UInt16(1).bigEndianBytes + UInt16(count).bigEndianBytes + references))
        // Properties: 1 the tiles' hvcC, 2 the tile size, 3 the picture's size, then those of the picture as shown.
        let ipco = HEIFBox.make(
            "ipco",
            tiles[0].configuration + HEIFBox.full("ispe", UInt32(tile).bigEndianBytes + UInt32(tile).bigEndianBytes)
                + HEIFBox.full("ispe", UInt32(width).bigEndianBytes + UInt32(height).bigEndianBytes) + shown.flatMap { $0 }
        )
        var associations = UInt16(1).bigEndianBytes + [UInt8(1 + shown.count), 3] + (0..<shown.count).map { 0x80 | UInt8(4 + $0) }
        for index in 0..<count { associations += UInt16(index + 2).bigEndianBytes + [2, 0x80 | 1, 2] }
        let iprp = HEIFBox.make("iprp", ipco + HEIFBox.full("ipma", UInt32(count + 1).bigEndianBytes + associations))
        let grid: [UInt8] = [0, 0, UInt8(rows - 1), UInt8(columns - 1)] + UInt16(width).bigEndianBytes + UInt16(height).bigEndianBytes
        let payloads = [grid] + tiles.map(\.data)
        func iloc(_ offsets: [Int]) -> [UInt8] {
            var body: [UInt8] = [0x44, 0x00] + UInt16(count + 1).bigEndianBytes
            for (index, (offset, payload)) in zip(offsets, payloads).enumerated() {
                body += UInt16(index + 1).bigEndianBytes + [0, 0, 0, 1] + UInt32(offset).bigEndianBytes + UInt32(payload.count).bigEndianBytes
            }
            return HEIFBox.full("iloc", body)
        }
        func meta(_ offsets: [Int]) -> [UInt8] { HEIFBox.full("meta", hdlr + pitm + iloc(offsets) + iinf + iref + iprp) }
        var offset = ftyp.count + meta(Array(repeating: 0, count: count + 1)).count + 8
        var offsets: [Int] = []
        for payload in payloads {
            offsets.append(offset)
            offset += payload.count
        }
        return ftyp + meta(offsets) + HEIFBox.make("mdat", payloads.flatMap { $0 })
    }
}

/// ISO base media boxes, written.
enum HEIFBox {
    static func make(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        UInt32(8 + payload.count).bigEndianBytes + Array(type.utf8) + payload
    }

    static func full(_ type: String, version: UInt8 = 0, flags: UInt32 = 0, _ payload: [UInt8]) -> [UInt8] {
        make(type, [version] + Array(flags.bigEndianBytes.dropFirst()) + payload)
    }
}

extension FixedWidthInteger {
    fileprivate var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }
}
