/// Input rules shared by every way in (API, web pages, operator commands).
public enum Validation {
    /// Instagram's username rule: letters, digits, period and underscore; at most 30 characters.
    public static func username(_ name: String) throws(APIError) -> String {
        guard !name.isEmpty, name.utf8.count <= 30,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSetASCII.isAlphanumeric($0) || $0 == "." || $0 == "_") })
        else {
            throw .invalidParameter("username", "use 1 to 30 letters, digits, periods or underscores")
        }
        return name
    }

    public static func text(_ value: String, field: String, maxLength: Int) throws(APIError) -> String {
        guard value.count <= maxLength else { throw .invalidParameter(field, "at most \(maxLength) characters") }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else { throw .invalidParameter(field, "contains a NUL character") }
        return value
    }
}

enum CharacterSetASCII {
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
