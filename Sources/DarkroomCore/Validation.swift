/// Input rules shared by every way in (API, web pages, operator commands).
public enum Validation {
    /// Instagram's username rule: letters, digits, period and underscore; at most 30 characters.
    public static func username(_ name: String) throws(DomainError) -> String {
        guard !name.isEmpty, name.utf8.count <= 30,
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSetASCII.isAlphanumeric($0) || $0 == "." || $0 == "_") })
        else {
            throw .invalidInput(field: "username", reason: "use 1 to 30 letters, digits, periods or underscores")
        }
        // A profile lives at `/{username}/`: a name that is one of the site's own paths, or that ends the way the
        // API's `.json` suffix does, would be hidden behind it.
        guard !reservedUsernames.contains(name.lowercased()), !name.lowercased().hasSuffix(".json") else {
            throw .invalidInput(field: "username", reason: "\(name) is reserved; choose another")
        }
        return name
    }

    /// The first path segments of the site's own pages and routes.
    public static let reservedUsernames: Set<String> = [
        "accounts", "admin", "api", "create", "developer", "explore", "health", "hooks", "media", "metrics", "oauth", "oembed",
        "p", "ready", "reports", "static", "v1", "about", "search", "bench", "ap", "nodeinfo", "users",
    ]

    public static func text(_ value: String, field: String, maxLength: Int) throws(DomainError) -> String {
        guard value.count <= maxLength else { throw .invalidInput(field: field, reason: "at most \(maxLength) characters") }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else { throw .invalidInput(field: field, reason: "contains a NUL character") }
        return value
    }
}

extension Validation {
    /// The v1 comment rules: at most 300 characters, 4 hashtags and 1 URL, and not all capital letters.
    public static func comment(_ raw: String) throws(DomainError) -> String {
        let text = try Validation.text(raw, field: "text", maxLength: 300).trimmingSpaces()
        guard !text.isEmpty else { throw .missingInput(field: "text") }
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard words.filter({ $0.hasPrefix("#") && $0.count > 1 }).count <= 4 else {
            throw .invalidInput(field: "text", reason: "a comment may have at most 4 hashtags")
        }
        let urls = words.filter { word in
            let lower = word.lowercased()
            return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("www.")
        }
        guard urls.count <= 1 else { throw .invalidInput(field: "text", reason: "a comment may have at most 1 URL") }
        let letters = text.filter(\.isLetter)
        guard letters.isEmpty || letters.contains(where: { $0.isLowercase }) || !letters.contains(where: { $0.isUppercase }) else {
            throw .invalidInput(field: "text", reason: "a comment may not be all capital letters")
        }
        return text
    }
}

extension Validation {
    /// A profile's website: empty, or an http(s) URL.
    public static func website(_ raw: String) throws(DomainError) -> String {
        let text = try Validation.text(raw, field: "website", maxLength: 200).trimmingSpaces()
        guard text.isEmpty || text.lowercased().hasPrefix("http://") || text.lowercased().hasPrefix("https://") else {
            throw .invalidInput(field: "website", reason: "must start with http:// or https://")
        }
        return text
    }

    /// A redirect URI a client registers: absolute, http(s) or an app's own scheme, no fragment; never a scheme that
    /// runs code or reads files.
    public static func redirectURI(_ raw: String) throws(DomainError) -> String {
        let text = raw.trimmingSpaces()
        let lower = text.lowercased()
        guard let schemeEnd = lower.range(of: "://"), text.count <= 500, !text.contains("#"),
            !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }),
            lower[..<schemeEnd.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }),
            !["javascript", "data", "vbscript", "file"].contains(String(lower[..<schemeEnd.lowerBound])),
            lower.index(schemeEnd.upperBound, offsetBy: 0) < lower.endIndex
        else { throw .invalidInput(field: "redirect_uri", reason: "\(raw) is not an absolute URL without a fragment") }
        return text
    }

    /// Instagram's caption limit.
    public static let captionLength = 2200
    /// People tagged in one photo.
    public static let maxPeopleInPhoto = 20

    /// A caption: at most 2,200 characters; blank means none.
    public static func caption(_ raw: String?) throws(DomainError) -> String? {
        guard let raw else { return nil }
        let text = try Validation.text(raw, field: "caption", maxLength: captionLength).trimmingSpaces()
        return text.isEmpty ? nil : text
    }

    /// Alt text describes a photo for people who cannot see it: up to 1,000 characters, as Pixelfed allows.
    public static let altTextLength = 1000
    /// Photos in one carousel, as Instagram allows.
    public static let maxCarouselPhotos = 20

    public static func altText(_ raw: String?, field: String = "alt_text") throws(DomainError) -> String? {
        guard let raw else { return nil }
        let text = try Validation.text(raw, field: field, maxLength: altTextLength).trimmingSpaces()
        return text.isEmpty ? nil : text
    }

    /// `crop` (`original`, the default, or `square`) and `focal_point` (`x,y`, fractions of the width and height from
    /// the top left; default the centre).
    public static func crop(_ shape: String?, focalPoint: String?) throws(DomainError) -> Crop {
        var crop = Crop()
        if let shape, !shape.isEmpty {
            guard let parsed = Crop.Shape(rawValue: shape.lowercased()) else {
                throw .invalidInput(field: "crop", reason: "must be original or square")
            }
            crop.shape = parsed
        }
        if let focalPoint, !focalPoint.isEmpty {
            let parts = focalPoint.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let x = Double(String(parts[0]).trimmingSpaces()), let y = Double(String(parts[1]).trimmingSpaces()),
                (0...1).contains(x), (0...1).contains(y)
            else { throw .invalidInput(field: "focal_point", reason: "must be x,y with each between 0 and 1, e.g. 0.5,0.3") }
            crop = Crop(shape: crop.shape, focusX: x, focusY: y)
        }
        return crop
    }

    /// A position in a photo, as a fraction of its width or height.
    public static func photoPosition(_ value: Double?, field: String) throws(DomainError) -> Double {
        guard let value, value.isFinite, (0...1).contains(value) else { throw .invalidInput(field: field, reason: "must be a number from 0 to 1") }
        return value
    }

    /// An idempotency key: printable ASCII, at most 255 characters.
    public static func idempotencyKey(_ raw: String?) throws(DomainError) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.utf8.count <= 255, raw.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalidInput(field: "Idempotency-Key", reason: "use at most 255 printable ASCII characters")
        }
        return raw
    }
}

extension String {
    public func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first?.isWhitespace == true { view.removeFirst() }
        while view.last?.isWhitespace == true { view.removeLast() }
        return String(view)
    }
}

enum CharacterSetASCII {
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
