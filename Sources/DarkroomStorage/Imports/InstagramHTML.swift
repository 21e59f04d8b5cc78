import Foundation

/// The HTML layout of Instagram's download: each post is a `uiBoxWhite` block holding its caption (`<h2>`), its photos
/// (`<img src>` or `<video src>`, relative to the root), a table of details (`Latitude`, `Longitude`) and its date as
/// text ("Jan 15, 2023 10:03 pm", in UTC). Read leniently, as text: tags and attributes not named here are ignored.
enum InstagramHTML {
    static func posts(in html: String, file: String, root: String, into contents: inout ArchiveContents) {
        for (index, block) in html.components(separatedBy: "uiBoxWhite").dropFirst().enumerated() {
            let texts = textNodes(block)
            let files = sources(block)
            let takenAt = texts.reversed().lazy.compactMap(date).first
            guard let takenAt, !files.isEmpty else {
                let key = ArchivePost.key(source: "instagram", takenAt: 0, files: [file, String(index)])
                contents.unreadable.append((key, takenAt ?? 0, "post \(index + 1) of \(file) names no photo or no date"))
                continue
            }
            var caption: String?
            if let start = block.range(of: "<h2"), let end = block.range(of: "</h2>", range: start.upperBound..<block.endIndex) {
                caption = textNodes(String(block[start.lowerBound..<end.lowerBound]) + "<").joined()
            }
            contents.posts.append(
                ArchivePost(
                    key: ArchivePost.key(source: "instagram", takenAt: takenAt, files: files),
                    takenAt: takenAt,
                    caption: caption.flatMap { $0.isEmpty ? nil : $0 },
                    files: files.map { root + $0 },
                    latitude: number(after: "Latitude", in: texts),
                    longitude: number(after: "Longitude", in: texts)
                )
            )
        }
    }

    /// The profile page of the HTML download: a table of labels, each followed by its value ("Name", "Bio",
    /// "Website"), and the profile photo's `<img>`.
    static func profile(in html: String, root: String) -> ArchiveProfile {
        let texts = textNodes(html)
        func value(_ label: String) -> String? {
            guard let index = texts.firstIndex(of: label), index + 1 < texts.count else { return nil }
            return texts[index + 1]
        }
        return ArchiveProfile(fullName: value("Name"), bio: value("Bio"), website: value("Website"), picture: sources(html).first.map { root + $0 })
    }

    /// The text between tags, entities decoded, blank runs dropped.
    static func textNodes(_ html: String) -> [String] {
        html.split(separator: ">", omittingEmptySubsequences: false).dropFirst().compactMap { piece in
            let text = decodeEntities(String(piece.prefix { $0 != "<" })).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
    }

    /// Every `src` of an `img` or `video` tag, in order, each once; never a link off the archive.
    static func sources(_ html: String) -> [String] {
        var found: [String] = []
        for tag in html.components(separatedBy: "<").dropFirst() where tag.hasPrefix("img") || tag.hasPrefix("video") || tag.hasPrefix("source") {
            guard let start = tag.range(of: "src=\"") else { continue }
            let value = decodeEntities(String(tag[start.upperBound...].prefix { $0 != "\"" }))
            guard !value.isEmpty, !value.contains(":"), !found.contains(value) else { continue }
            found.append(value)
        }
        return found
    }

    private static func number(after label: String, in texts: [String]) -> Double? {
        guard let index = texts.firstIndex(of: label), index + 1 < texts.count, let value = Double(texts[index + 1]) else { return nil }
        return value
    }

    private static let formats = ["MMM d, yyyy h:mm a", "MMM d, yyyy, h:mm a", "MMM d, yyyy h:mma", "yyyy-MM-dd'T'HH:mm:ss"]

    static func date(_ text: String) -> Int64? {
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) }
        }
        return nil
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semicolon = after.prefix(10).firstIndex(of: ";") else {
                result += "&"
                rest = after
                continue
            }
            let name = after[..<semicolon]
            let named: [Substring: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "#39": "'", "nbsp": "\u{a0}"]
            var scalar: Unicode.Scalar?
            if name.hasPrefix("#x") {
                scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            } else if name.hasPrefix("#") {
                scalar = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init)
            }
            if let replacement = named[name] ?? scalar.map({ String(Character($0)) }) {
                result += replacement
                rest = after[after.index(after: semicolon)...]
            } else {
                result += "&"
                rest = after
            }
        }
        return result + rest
    }
}
