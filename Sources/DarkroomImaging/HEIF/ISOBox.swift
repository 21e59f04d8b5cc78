/// A HEIF file that this reader cannot follow, or that contradicts itself. Never shown to a person: the photo is
/// then decoded by libvips, which takes every layout and gives the error its callers know, unless `refused`.
package struct HEIFLayoutError: Error {
    package var reason: String
    /// The file claims what no photo does (a picture larger than its tile): refused rather than handed to libvips.
    package var refused = false
}

/// Big-endian unsigned fields read within `range` of a file; a read past its end throws.
struct ByteReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = min(end, bytes.count)
    }

    var remaining: Int { end - position }

    mutating func read(_ width: Int) throws(HEIFLayoutError) -> Int {
        guard width >= 0, width <= 8, position + width <= end else { throw HEIFLayoutError(reason: "a field runs past its box") }
        var value = 0
        for offset in 0..<width { value = value << 8 | Int(bytes[position + offset]) }
        position += width
        // An eight-byte field with the top bit set is no offset or size a real file has.
        guard value >= 0 else { throw HEIFLayoutError(reason: "a field is out of range") }
        return value
    }

    mutating func skip(_ count: Int) throws(HEIFLayoutError) {
        guard count >= 0, position + count <= end else { throw HEIFLayoutError(reason: "a field runs past its box") }
        position += count
    }

    mutating func fourCC() throws(HEIFLayoutError) -> String {
        try skip(4)
        return String(decoding: bytes[position - 4..<position], as: UTF8.self)
    }
}

/// An ISO base media file format box: its type, and where its content lies in the file.
package struct ISOBox {
    package var type: String
    package var content: Range<Int>

    /// The boxes one after another in `range`, as the format nests them.
    static func children(of bytes: [UInt8], in range: Range<Int>) throws(HEIFLayoutError) -> [ISOBox] {
        var boxes: [ISOBox] = []
        var reader = ByteReader(bytes, from: range.lowerBound, to: range.upperBound)
        while reader.remaining >= 8 {
            let start = reader.position
            var size = try reader.read(4)
            let type = try reader.fourCC()
            if size == 1 { size = try reader.read(8) }
            // Size 0, "to the end of the file", is only ever the last top-level box.
            if size == 0 { size = range.upperBound - start }
            guard size >= reader.position - start, size <= range.upperBound - start else {
                throw HEIFLayoutError(reason: "box \(type) overruns its parent")
            }
            boxes.append(ISOBox(type: type, content: reader.position..<start + size))
            reader.position = start + size
        }
        return boxes
    }

    /// A full box's content after its version and flags.
    func fullBoxBody(_ bytes: [UInt8]) throws(HEIFLayoutError) -> (version: Int, flags: Int, body: ByteReader) {
        var reader = ByteReader(bytes, from: content.lowerBound, to: content.upperBound)
        let version = try reader.read(1)
        let flags = try reader.read(3)
        return (version, flags, reader)
    }
}

extension Array where Element == ISOBox {
    func first(_ type: String) -> ISOBox? { first { $0.type == type } }
}
