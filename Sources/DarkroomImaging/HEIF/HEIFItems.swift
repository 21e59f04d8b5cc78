/// The item table of a HEIF file's `meta` box: each item's type, where its data lies, what it references and which
/// properties it has (ISO/IEC 23008-12, over the box structure of ISO/IEC 14496-12).
package struct HEIFItems {
    let bytes: [UInt8]
    package var primary = 0
    var types: [Int: String] = [:]
    /// By reference type, then by the referring item: the items referred to, in order.
    var references: [String: [Int: [Int]]] = [:]
    private var locations: [Int: Location] = [:]
    private var propertyBoxes: [ISOBox] = []
    private var associations: [Int: [(index: Int, essential: Bool)]] = [:]
    private var itemData: Range<Int>?

    private struct Location {
        /// 0: offsets into the file; 1: into the `idat` box.
        var method: Int
        var extents: [Range<Int>]
    }

    package init(_ bytes: [UInt8]) throws(HEIFLayoutError) {
        self.bytes = bytes
        guard let meta = try ISOBox.children(of: bytes, in: 0..<bytes.count).first("meta") else {
            throw HEIFLayoutError(reason: "no meta box")
        }
        let boxes = try ISOBox.children(of: bytes, in: meta.content.lowerBound + 4..<meta.content.upperBound)
        guard let handler = boxes.first("hdlr") else { throw HEIFLayoutError(reason: "no handler") }
        var reader = try handler.fullBoxBody(bytes).body
        try reader.skip(4)
        guard try reader.fourCC() == "pict" else { throw HEIFLayoutError(reason: "not a picture") }
        guard let pitm = boxes.first("pitm") else { throw HEIFLayoutError(reason: "no primary item") }
        let primaryBox = try pitm.fullBoxBody(bytes)
        var primaryReader = primaryBox.body
        primary = try primaryReader.read(primaryBox.version == 0 ? 2 : 4)
        itemData = boxes.first("idat")?.content
        if let iinf = boxes.first("iinf") { try readItemInfo(iinf) }
        if let iloc = boxes.first("iloc") { try readLocations(iloc) }
        if let iref = boxes.first("iref") { try readReferences(iref) }
        if let iprp = boxes.first("iprp") { try readProperties(iprp) }
    }

    /// The item's data, gathered from its extents.
    package func data(of item: Int) throws(HEIFLayoutError) -> [UInt8] {
        guard let location = locations[item] else { throw HEIFLayoutError(reason: "item \(item) has no data") }
        let base = location.method == 1 ? itemData?.lowerBound ?? -1 : 0
        var data: [UInt8] = []
        for extent in location.extents {
            let range = base + extent.lowerBound..<base + extent.upperBound
            guard base >= 0, range.upperBound <= (location.method == 1 ? itemData?.upperBound ?? 0 : bytes.count) else {
                throw HEIFLayoutError(reason: "item \(item)'s data lies outside the file")
            }
            data += bytes[range]
        }
        return data
    }

    /// Where the item's data lies in the file, for an item stored whole in one place (as coded pictures are).
    func fileRange(of item: Int) throws(HEIFLayoutError) -> Range<Int> {
        guard let location = locations[item], location.method == 0, location.extents.count == 1, let extent = location.extents.first,
            extent.upperBound <= bytes.count
        else { throw HEIFLayoutError(reason: "item \(item) is not stored whole in the file") }
        return extent
    }

    /// The item's properties with whether each is essential, in the order they apply.
    package func properties(of item: Int) throws(HEIFLayoutError) -> [(box: ISOBox, essential: Bool)] {
        try (associations[item] ?? []).map { association throws(HEIFLayoutError) in
            guard association.index >= 1, association.index <= propertyBoxes.count else {
                throw HEIFLayoutError(reason: "a property that does not exist")
            }
            return (propertyBoxes[association.index - 1], association.essential)
        }
    }

    /// The items that are auxiliary images (alpha, depth, HDR gain maps) of `item`.
    func auxiliaries(of item: Int) -> [Int] {
        (references["auxl"] ?? [:]).filter { $0.value.contains(item) }.map(\.key)
    }

    /// What an auxiliary image is (its `auxC` box's URN).
    func auxiliaryType(of item: Int) -> String? {
        guard let box = (try? properties(of: item))?.first(where: { $0.box.type == "auxC" })?.box else { return nil }
        let text = bytes[box.content.lowerBound + 4..<box.content.upperBound].prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }

    private mutating func readItemInfo(_ box: ISOBox) throws(HEIFLayoutError) {
        var (version, _, reader) = try box.fullBoxBody(bytes)
        _ = try reader.read(version == 0 ? 2 : 4)
        for entry in try ISOBox.children(of: bytes, in: reader.position..<reader.end) where entry.type == "infe" {
            var (entryVersion, _, fields) = try entry.fullBoxBody(bytes)
            // Versions 0 and 1 describe files, not pictures.
            guard entryVersion >= 2 else { continue }
            let id = try fields.read(entryVersion == 2 ? 2 : 4)
            guard try fields.read(2) == 0 else { throw HEIFLayoutError(reason: "a protected item") }
            types[id] = try fields.fourCC()
        }
    }

    private mutating func readLocations(_ box: ISOBox) throws(HEIFLayoutError) {
        var (version, _, reader) = try box.fullBoxBody(bytes)
        guard version <= 2 else { throw HEIFLayoutError(reason: "iloc version \(version)") }
        let sizes = try reader.read(1)
        let more = try reader.read(1)
        let (offsetSize, lengthSize, baseSize) = (sizes >> 4, sizes & 15, more >> 4)
        let indexSize = version == 0 ? 0 : more & 15
        let count = try reader.read(version < 2 ? 2 : 4)
        for _ in 0..<count {
            let id = try reader.read(version < 2 ? 2 : 4)
            let method = version == 0 ? 0 : try reader.read(2) & 15
            try reader.skip(2)  // data reference: this file
            let base = try reader.read(baseSize)
            var extents: [Range<Int>] = []
            for _ in 0..<(try reader.read(2)) {
                try reader.skip(indexSize)
                let (offset, overflow) = base.addingReportingOverflow(try reader.read(offsetSize))
                let length = try reader.read(lengthSize)
                guard !overflow, length > 0, offset <= bytes.count, length <= bytes.count else {
                    throw HEIFLayoutError(reason: "an extent outside the file")
                }
                extents.append(offset..<offset + length)
            }
            guard method <= 1 else { throw HEIFLayoutError(reason: "item data in another item") }
            locations[id] = Location(method: method, extents: extents)
        }
    }

    private mutating func readReferences(_ box: ISOBox) throws(HEIFLayoutError) {
        let (version, _, reader) = try box.fullBoxBody(bytes)
        let idSize = version == 0 ? 2 : 4
        for reference in try ISOBox.children(of: bytes, in: reader.position..<reader.end) {
            var fields = ByteReader(bytes, from: reference.content.lowerBound, to: reference.content.upperBound)
            let from = try fields.read(idSize)
            var to: [Int] = []
            for _ in 0..<(try fields.read(2)) { to.append(try fields.read(idSize)) }
            references[reference.type, default: [:]][from, default: []] += to
        }
    }

    private mutating func readProperties(_ box: ISOBox) throws(HEIFLayoutError) {
        let children = try ISOBox.children(of: bytes, in: box.content)
        guard let container = children.first("ipco") else { throw HEIFLayoutError(reason: "no property container") }
        propertyBoxes = try ISOBox.children(of: bytes, in: container.content)
        for ipma in children where ipma.type == "ipma" {
            var (version, flags, reader) = try ipma.fullBoxBody(bytes)
            for _ in 0..<(try reader.read(4)) {
                let id = try reader.read(version < 1 ? 2 : 4)
                for _ in 0..<(try reader.read(1)) {
                    let wide = flags & 1 == 1
                    let value = try reader.read(wide ? 2 : 1)
                    let essentialBit = wide ? 0x8000 : 0x80
                    associations[id, default: []].append((value & (essentialBit - 1), value & essentialBit != 0))
                }
            }
        }
    }
}
