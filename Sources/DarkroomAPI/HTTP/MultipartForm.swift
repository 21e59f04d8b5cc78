import DarkroomCore
import NIOCore

/// A `multipart/form-data` body (RFC 7578), already collected: text fields become parameters, file parts keep their
/// bytes. A client-given file name is never used for anything.
struct MultipartForm {
    struct Part {
        var name: String
        var isFile: Bool
        var body: [UInt8]
    }

    var parts: [Part] = []

    /// The boundary of a `multipart/form-data` Content-Type, or nil for any other type.
    static func boundary(ofContentType contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: " ") }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            let value = piece.dropFirst("boundary=".count).trimmingCharacters(in: "\"")
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    init(parsing body: ByteBuffer, boundary: String) throws(APIError) {
        let bytes = body.readableBytesView
        let delimiter = Array("--\(boundary)".utf8)
        guard var cursor = Self.find(delimiter, in: bytes, from: bytes.startIndex) else { throw Self.malformed }
        while true {
            guard let (part, next) = try Self.part(in: bytes, after: cursor, delimiter: delimiter) else { return }
            parts.append(part)
            guard parts.count <= 64 else { throw APIError.invalidParameter("body", "has too many parts") }
            cursor = next
        }
    }

    /// The text fields that come before a body's first file, from a prefix of it (`RequestInput.prefix`): what a
    /// form refused for its size still said, such as a caption typed before the photos.
    static func leadingFields(of prefix: ByteBuffer, boundary: String) -> Parameters {
        let bytes = prefix.readableBytesView
        let delimiter = Array("--\(boundary)".utf8)
        var fields: [(String, String)] = []
        guard var cursor = find(delimiter, in: bytes, from: bytes.startIndex) else { return Parameters() }
        while fields.count < 64, let (part, next) = try? part(in: bytes, after: cursor, delimiter: delimiter), !part.isFile {
            fields.append((part.name, String(decoding: part.body, as: UTF8.self)))
            cursor = next
        }
        return Parameters(pairs: fields)
    }

    /// The part after the delimiter at `cursor`, and where the next delimiter starts; nil after the closing one.
    private static func part(in bytes: ByteBufferView, after cursor: Int, delimiter: [UInt8]) throws(APIError) -> (Part, Int)? {
        var cursor = cursor + delimiter.count
        // `--` after a delimiter closes the body.
        if bytes[cursor...].starts(with: "--".utf8) { return nil }
        guard bytes[cursor...].starts(with: "\r\n".utf8) else { throw Self.malformed }
        cursor += 2
        guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: bytes, from: cursor) else { throw Self.malformed }
        let headers = String(decoding: bytes[cursor..<headerEnd], as: UTF8.self)
        let contentStart = headerEnd + 4
        guard let next = Self.find(Array("\r\n".utf8) + delimiter, in: bytes, from: contentStart) else { throw Self.malformed }
        guard let (name, isFile) = Self.disposition(headers) else { throw Self.malformed }
        return (Part(name: name, isFile: isFile, body: Array(bytes[contentStart..<next])), next + 2)
    }

    private static let malformed = APIError.invalidParameter("body", "is not well-formed multipart/form-data")

    /// The field name, and whether the part is a file (it has a `filename`).
    private static func disposition(_ headers: String) -> (String, Bool)? {
        for line in headers.split(separator: "\r\n") {
            let header = line.split(separator: ":", maxSplits: 1)
            guard header.count == 2, header[0].lowercased() == "content-disposition" else { continue }
            var name: String?
            var isFile = false
            for attribute in header[1].split(separator: ";").dropFirst() {
                let pair = attribute.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let key = pair[0].trimmingCharacters(in: " ").lowercased()
                if key == "name" { name = pair[1].trimmingCharacters(in: " ").trimmingCharacters(in: "\"") }
                if key == "filename" || key == "filename*" { isFile = true }
            }
            return name.map { ($0, isFile) }
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: ByteBufferView, from start: Int) -> Int? {
        guard let first = needle.first, haystack.endIndex - start >= needle.count else { return nil }
        var index = start
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
