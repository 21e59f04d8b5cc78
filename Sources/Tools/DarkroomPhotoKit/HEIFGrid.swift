import CVips
import DarkroomImaging

/// A HEIC laid out as phones write it: a grid of separately coded tiles (512 px on iPhones) that a reader joins and
/// crops to the picture's size. libheif 1.15 writes only single-image files, so the tiles are encoded one by one and
/// this file puts their coded data under one `grid` item — hand-written, as no tool on the machine writes grids.
public enum HEIFGrid {
    /// `photo` (any accepted format) as a grid HEIC of `tile`-pixel tiles.
    public static func make(from photo: [UInt8], tile: Int = 512) throws(ImageError) -> [UInt8] {
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
        return file(tiles, columns: columns, rows: rows, width: image.width, height: image.height, tile: tile)
    }

    /// One tile's HEVC configuration (its `hvcC` box) and coded picture, read from a single-image HEIC.
    struct Coded {
        var configuration: [UInt8]
        var data: [UInt8]

        init?(heic: [UInt8]) {
            guard let meta = HEIFBox.first("meta", in: heic, from: 0, to: heic.count),
                let properties = HEIFBox.first("iprp", in: heic, from: meta.content + 4, to: meta.end),
                let container = HEIFBox.first("ipco", in: heic, from: properties.content, to: properties.end),
                let configuration = HEIFBox.first("hvcC", in: heic, from: container.content, to: container.end),
                let locations = HEIFBox.first("iloc", in: heic, from: meta.content + 4, to: meta.end),
                let data = Self.firstItemData(heic, iloc: locations)
            else { return nil }
            self.configuration = Array(heic[configuration.start..<configuration.end])
            self.data = data
        }

        /// The first item's bytes by its `iloc` extents (versions 0 and 1, offsets into the file).
        private static func firstItemData(_ bytes: [UInt8], iloc: HEIFBox) -> [UInt8]? {
            var reader = BigEndianReader(bytes: bytes, position: iloc.content)
            let version = reader.read(1)
            reader.position += 3
            let sizes = reader.read(1)
            let (offsetSize, lengthSize) = (sizes >> 4, sizes & 15)
            let more = reader.read(1)
            let (baseSize, indexSize) = (more >> 4, version >= 1 ? more & 15 : 0)
            guard reader.read(2) > 0 else { return nil }
            reader.position += 2 + (version >= 1 ? 2 : 0) + 2  // item id, construction method, data reference index
            let base = reader.read(baseSize)
            var data: [UInt8] = []
            for _ in 0..<reader.read(2) {
                reader.position += indexSize
                let (offset, length) = (base + reader.read(offsetSize), reader.read(lengthSize))
                guard offset + length <= bytes.count else { return nil }
                data += bytes[offset..<offset + length]
            }
            return data
        }
    }

    /// The grid file: item 1 is the grid (its data the ImageGrid structure), items 2… the tiles, hidden, in rows.
    private static func file(_ tiles: [Coded], columns: Int, rows: Int, width: Int, height: Int, tile: Int) -> [UInt8] {
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
        // Properties: 1 the tiles' hvcC, 2 the tile size, 3 the picture's size.
        let ipco = HEIFBox.make(
            "ipco",
            tiles[0].configuration + HEIFBox.full("ispe", UInt32(tile).bigEndianBytes + UInt32(tile).bigEndianBytes)
                + HEIFBox.full("ispe", UInt32(width).bigEndianBytes + UInt32(height).bigEndianBytes)
        )
        var associations = UInt16(1).bigEndianBytes + [1, 3]
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

/// An ISO base media box: where it starts, where its content starts, where it ends.
struct HEIFBox {
    var start: Int
    var content: Int
    var end: Int

    static func first(_ type: String, in bytes: [UInt8], from start: Int, to end: Int) -> HEIFBox? {
        var position = start
        while position + 8 <= end {
            var reader = BigEndianReader(bytes: bytes, position: position)
            var size = reader.read(4)
            let name = String(decoding: bytes[position + 4..<position + 8], as: UTF8.self)
            reader.position += 4
            if size == 1 { size = reader.read(8) }
            guard size >= 8, position + size <= end else { return nil }
            if name == type { return HEIFBox(start: position, content: reader.position, end: position + size) }
            position += size
        }
        return nil
    }

    static func make(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        UInt32(8 + payload.count).bigEndianBytes + Array(type.utf8) + payload
    }

    static func full(_ type: String, version: UInt8 = 0, flags: UInt32 = 0, _ payload: [UInt8]) -> [UInt8] {
        make(type, [version] + Array(flags.bigEndianBytes.dropFirst()) + payload)
    }
}

/// Big-endian unsigned fields of any width up to eight bytes.
struct BigEndianReader {
    let bytes: [UInt8]
    var position: Int

    mutating func read(_ width: Int) -> Int {
        var value = 0
        for _ in 0..<width {
            value = value << 8 | Int(position < bytes.count ? bytes[position] : 0)
            position += 1
        }
        return value
    }
}

extension FixedWidthInteger {
    fileprivate var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }
}
