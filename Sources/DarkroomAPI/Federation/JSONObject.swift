import Foundation

/// A JSON object read from another server, with the lenient accessors ActivityPub needs: a property may be a string,
/// an object with an `id`, or an array of either.
struct JSONObject: @unchecked Sendable {
    // `@unchecked`: the dictionary is read-only once parsed, and holds only JSONSerialization's immutable values.
    let fields: [String: Any]

    init(_ fields: [String: Any]) { self.fields = fields }

    init?(bytes: some Collection<UInt8>) {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(bytes), options: []) as? [String: Any] else { return nil }
        fields = parsed
    }

    subscript(string key: String) -> String? { fields[key] as? String }

    subscript(object key: String) -> JSONObject? { (fields[key] as? [String: Any]).map(JSONObject.init) }

    /// A property's id: the string itself, or the `id` of an embedded object.
    func id(_ key: String) -> String? {
        if let text = fields[key] as? String { return text }
        if let object = fields[key] as? [String: Any] { return object["id"] as? String }
        return nil
    }

    /// A property as a list of objects (a single object is a list of one; plain strings are left out).
    func objects(_ key: String) -> [JSONObject] {
        if let list = fields[key] as? [Any] { return list.compactMap { ($0 as? [String: Any]).map(JSONObject.init) } }
        if let one = fields[key] as? [String: Any] { return [JSONObject(one)] }
        return []
    }

    /// A property as a list of ids (strings, or objects' ids).
    func ids(_ key: String) -> [String] {
        let values: [Any] = (fields[key] as? [Any]) ?? (fields[key].map { [$0] } ?? [])
        return values.compactMap { ($0 as? String) ?? (($0 as? [String: Any])?["id"] as? String) }
    }

    /// `type`, which may be a list (`["Image", "Document"]`): its first entry.
    var type: String? {
        if let text = fields["type"] as? String { return text }
        return (fields["type"] as? [Any])?.first as? String
    }

    var id: String? { fields["id"] as? String }

    func bool(_ key: String) -> Bool { (fields[key] as? Bool) ?? false }

    func int(_ key: String) -> Int? { (fields[key] as? NSNumber)?.intValue }
}

/// Writes a JSON document from dictionaries (ActivityPub documents are nested and sparse: building them as values
/// reads as the protocol does).
enum JSONDocument {
    static func bytes(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
    }

    static func string(_ object: [String: Any]) -> String { String(decoding: bytes(object), as: UTF8.self) }
}
