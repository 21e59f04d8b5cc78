extension Validation {
    /// An email address as people type it: one `@`, a local part and a dotted domain (ASCII; an international domain in
    /// its xn-- form), at most 254 bytes, nothing that could end a mail header (no spaces, controls, angle brackets or
    /// quotes). Answers it trimmed, its domain lowercased.
    public static func email(_ raw: String) throws(DomainError) -> String {
        let text = raw.trimmingSpaces()
        guard !text.isEmpty else { throw .missingInput(field: "email") }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, let local = parts.first, let domain = parts.last,
            !local.isEmpty, local.utf8.count <= 64, local.unicodeScalars.allSatisfy(isAddressCharacter),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
            isDomain(domain)
        else { throw .invalidInput(field: "email", reason: "is not an email address") }
        return local + "@" + domain.lowercased()
    }

    /// The domain of an address `email(_:)` accepted.
    public static func emailDomain(_ address: String) -> String {
        String(address[address.index(after: address.lastIndex(of: "@") ?? address.startIndex)...])
    }

    /// ASCII letters, digits and the symbols RFC 5322 allows unquoted in a local part; never a space, control, quote,
    /// bracket, comma or backslash. ASCII only, so every SMTP server takes it without the SMTPUTF8 extension.
    private static func isAddressCharacter(_ scalar: Unicode.Scalar) -> Bool {
        CharacterSetASCII.isAlphanumeric(scalar) || "!#$%&'*+-/=?^_`{|}~.".unicodeScalars.contains(scalar)
    }

    private static func isDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && domain.utf8.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { CharacterSetASCII.isAlphanumeric($0) || $0 == "-" }
            }
    }
}
