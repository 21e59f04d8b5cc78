import DarkroomCore

/// A media's tags: the `media_tags` index (ordered by when each tag was applied), the tag counts, and the
/// media's own list, changed together.
enum MediaTags {
    /// Applies the tags the media does not have yet; `existing` is its current space-separated list. Each tag counts
    /// every media it is on, and apart those of public accounts (`public_media_count`, see `TagStore.counts`).
    static func add(_ tags: [String], to media: MediaID, existing: String, at tagID: Int64, in tx: any SQLExecutor) async throws {
        var current = existing.split(separator: " ").map(String.init)
        let new = tags.filter { !current.contains($0) }
        guard !new.isEmpty else { return }
        let isPublic: Int64 =
            try await tx.query(
                "SELECT 1 - u.is_private FROM media m JOIN users u ON u.id = m.user_id WHERE m.id = \(media)"
            ).scalarInt() ?? 0
        for tag in new {
            try await tx.execute("INSERT INTO media_tags (tag_name, media_id, id) VALUES (\(tag), \(media), \(tagID))")
            try await tx.execute(
                """
                INSERT INTO tags (name, media_count, public_media_count) VALUES (\(tag), 1, \(isPublic))
                ON CONFLICT (name) DO UPDATE SET media_count = tags.media_count + 1, public_media_count = tags.public_media_count + \(isPublic)
                """
            )
        }
        current += new
        try await tx.execute("UPDATE media SET tags = \(current.joined(separator: " ")), \(MediaVersion.moves) WHERE id = \(media)")
    }

    /// Makes the media's tags exactly `tags` (its caption's and its owner's comments', after the caption changed):
    /// those it had that are gone are taken off, with their counts; the new ones are added as `add` does.
    static func replace(with tags: [String], on media: MediaID, existing: String, at tagID: Int64, in tx: any SQLExecutor) async throws {
        let current = existing.split(separator: " ").map(String.init)
        let gone = current.filter { !tags.contains($0) }
        if !gone.isEmpty {
            let isPublic: Int64 =
                try await tx.query(
                    "SELECT 1 - u.is_private FROM media m JOIN users u ON u.id = m.user_id WHERE m.id = \(media)"
                ).scalarInt() ?? 0
            for tag in gone {
                try await tx.execute("DELETE FROM media_tags WHERE media_id = \(media) AND tag_name = \(tag)")
                try await tx.execute(
                    "UPDATE tags SET media_count = media_count - 1, public_media_count = public_media_count - \(isPublic) WHERE name = \(tag)"
                )
            }
        }
        let kept = current.filter { tags.contains($0) }.joined(separator: " ")
        try await tx.execute("UPDATE media SET tags = \(kept), \(MediaVersion.moves) WHERE id = \(media)")
        try await add(tags, to: media, existing: kept, at: tagID, in: tx)
    }
}

/// Hashtags in a caption: `#` then Unicode letters, digits and underscores, case-folded, each once, in order.
public enum Hashtags {
    public static func extract(_ text: String) -> [String] {
        var tags: [String] = []
        var current: String?
        func close() {
            if let tag = current, !tag.isEmpty, tag.count <= 100, !tags.contains(tag) { tags.append(tag) }
            current = nil
        }
        for character in text {
            if character == "#" {
                close()
                current = ""
            } else if current != nil, character.isLetter || character.isNumber || character == "_" {
                current! += character.lowercased()
            } else {
                close()
            }
        }
        close()
        return tags
    }
}

/// The people a text names with `@username`, in order, each once, lowercased; a name's trailing periods are the
/// sentence's, not the name's (as the pages link them).
public enum Mentions {
    public static func extract(_ text: String) -> [String] {
        var names: [String] = []
        var current: String?
        func close() {
            if var name = current {
                while name.hasSuffix(".") { name.removeLast() }
                if !name.isEmpty, name.count <= 30, !names.contains(name) { names.append(name) }
            }
            current = nil
        }
        for character in text {
            if character == "@" {
                close()
                current = ""
            } else if current != nil, character.isASCII, character.isLetter || character.isNumber || character == "_" || character == "." {
                current! += character.lowercased()
            } else {
                close()
            }
        }
        close()
        return names
    }
}
