import DarkroomCore

/// The request's parameters: the query string, then a form body (POST), in the order sent.
/// A name may repeat (python-instagram can send `sig` twice); `value(_:)` answers the first.
struct Parameters: Sendable {
    private(set) var pairs: [(name: String, value: String)]

    init(pairs: [(name: String, value: String)] = []) { self.pairs = pairs }

    init(urlEncoded text: Substring) {
        pairs = []
        for part in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = part.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append((Self.decode(part[..<equals]), Self.decode(part[part.index(after: equals)...])))
            } else {
                pairs.append((Self.decode(part), ""))
            }
        }
    }

    mutating func append(contentsOf other: Parameters) { pairs += other.pairs }

    /// Neither engine stores a NUL in text, and no parameter has a use for one: every way in refuses them.
    func refuseNUL() throws(APIError) {
        if let bad = pairs.first(where: { $0.name.utf8.contains(0) || $0.value.utf8.contains(0) }) {
            throw .invalidParameter(bad.name, "contains a NUL character")
        }
    }

    func value(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value sent for `name`, in order (a carousel's fields, one per photo).
    func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    // MARK: - Typed reads (every failure is a 400 naming the parameter)

    /// `count`: default 20, clamped to 100; negative or non-numeric is an error. `count=0` asks for the default page,
    /// as the 2013 service answered it (reference, decision 4): clients of the era send it when their caller set no limit.
    func count(default defaultCount: Int = 20, maximum: Int = 100) throws(APIError) -> Int {
        guard let text = value("count"), !text.isEmpty else { return defaultCount }
        guard let number = Int64(text) else { throw .invalidParameter("count", "must be a whole number") }
        guard number >= 0 else { throw .invalidParameter("count", "must not be negative") }
        guard number > 0 else { return defaultCount }
        return Int(min(number, Int64(maximum)))
    }

    /// A numeric id parameter; media ids may come in the `{media}_{user}` form.
    func id(_ name: String) throws(APIError) -> Int64? {
        guard let text = value(name), !text.isEmpty else { return nil }
        guard let id = MediaID(apiString: text) else { throw .invalidParameter(name, "must be a numeric id") }
        return id.rawValue
    }

    /// A unix-seconds parameter.
    func timestamp(_ name: String) throws(APIError) -> Int64? {
        guard let text = value(name), !text.isEmpty else { return nil }
        guard let number = Int64(text), (0...253_402_300_799).contains(number) else {
            throw .invalidParameter(name, "must be a unix timestamp in seconds")
        }
        return number
    }

    /// A number in a range.
    func number(_ name: String, in range: ClosedRange<Double>) throws(APIError) -> Double? {
        guard let text = value(name), !text.isEmpty else { return nil }
        guard let number = Double(text), number.isFinite else { throw .invalidParameter(name, "must be a number") }
        guard range.contains(number) else { throw .invalidParameter(name, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return number
    }

    /// `lat` and `lng`, which come together or not at all.
    func point() throws(APIError) -> GeoPoint? {
        let latitude = try number("lat", in: -90...90)
        let longitude = try number("lng", in: -180...180)
        switch (latitude, longitude) {
        case (let latitude?, let longitude?): return GeoPoint(latitude: latitude, longitude: longitude)
        case (nil, nil): return nil
        case (nil, _): throw .missingParameter("lat")
        case (_, nil): throw .missingParameter("lng")
        }
    }

    /// `distance` in meters: 1000 by default, at most 5000.
    func distance() throws(APIError) -> Double {
        try number("distance", in: 0...5000) ?? 1000
    }

    /// The media-list parameters: count, max_id, min_id, and the time bounds when the endpoint takes them.
    func mediaPage(timeBounds: Bool) throws(APIError) -> MediaPageRequest {
        MediaPageRequest(
            count: try count(),
            maxID: try id("max_id"),
            minID: try id("min_id"),
            minTimestamp: timeBounds ? try timestamp("min_timestamp") : nil,
            maxTimestamp: timeBounds ? try timestamp("max_timestamp") : nil
        )
    }

    /// Percent-decoding with `+` as a space; malformed escapes are kept as they are.
    static func decode(_ text: Substring) -> String { decode(text.utf8) }

    static func decode(_ text: Substring.UTF8View) -> String {
        guard text.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(Substring(text)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        let utf8 = Array(text)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-encoding of everything but RFC 3986's unreserved characters.
    static func encode(_ text: String) -> String {
        guard !text.utf8.allSatisfy(isUnreserved) else { return text }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
