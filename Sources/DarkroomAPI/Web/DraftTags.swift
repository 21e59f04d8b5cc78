import DarkroomCore
import Foundation

/// People tagged on a draft's photos, carried in the posting page's form until the post is made, without script:
/// each photo's `tagged_N` values (`id x y username`). A person is tagged by typing their name (`tag_username_N`) and
/// clicking where they are on the photo (an image input, `tag_at_N`, which sends the click's position within the
/// picture drawn `tag_width_N` by `tag_height_N`), or with `tag_add_N` at the photo's centre; `untag_N` names one to
/// take off.
struct DraftTags {
    struct Tag {
        var user: UserID
        var x: Double
        var y: Double
        var username: String

        init(user: UserID, x: Double, y: Double, username: String) {
            (self.user, self.x, self.y, self.username) = (user, x, y, username)
        }

        init?(value: String) {
            let parts = value.split(separator: " ")
            guard parts.count == 4, let user = UserID(decimal: String(parts[0])), let x = Double(parts[1]), let y = Double(parts[2]),
                (0...1).contains(x), (0...1).contains(y)
            else { return nil }
            self.init(user: user, x: x, y: y, username: String(parts[3]))
        }

        var value: String { "\(user.rawValue) \(Self.rounded(x)) \(Self.rounded(y)) \(username)" }

        static func rounded(_ fraction: Double) -> String { String(format: "%.3f", fraction) }
    }

    enum Action {
        /// Tag the person named in `tag_username_N` on photo `photo`, at a position (fractions of the photo).
        case tag(photo: Int, x: Double, y: Double)
        case untag(photo: Int, username: String)
    }

    /// The tagging button a form was sent with, if it was one.
    static func action(in form: Parameters, count: Int) -> Action? {
        for photo in 0..<count {
            if let px = form.value("tag_at_\(photo).x").flatMap(Double.init), let py = form.value("tag_at_\(photo).y").flatMap(Double.init) {
                let width = form.value("tag_width_\(photo)").flatMap(Double.init) ?? 0
                let height = form.value("tag_height_\(photo)").flatMap(Double.init) ?? 0
                guard width >= 1, height >= 1 else { return .tag(photo: photo, x: 0.5, y: 0.5) }
                return .tag(photo: photo, x: min(max(px / width, 0), 1), y: min(max(py / height, 0), 1))
            }
            if form.value("tag_add_\(photo)") != nil { return .tag(photo: photo, x: 0.5, y: 0.5) }
            if let username = form.value("untag_\(photo)") { return .untag(photo: photo, username: username) }
        }
        return nil
    }

    static func tags(_ form: Parameters, photo: Int) -> [Tag] {
        form.values("tagged_\(photo)").compactMap(Tag.init(value:))
    }

    /// The form with photo `photo`'s tags replaced by `tags`, and the name typed to tag cleared.
    static func form(_ form: Parameters, photo: Int, tags: [Tag]) -> Parameters {
        var pairs = form.pairs.filter { $0.name != "tagged_\(photo)" && $0.name != "tag_username_\(photo)" }
        pairs += tags.map { ("tagged_\(photo)", $0.value) }
        return Parameters(pairs: pairs)
    }

    /// A photo's tags as `users_in_photo`, the JSON `PhotoPosting` reads (and checks again).
    static func usersInPhoto(_ tags: [Tag]) -> String {
        guard !tags.isEmpty else { return "" }
        let list = tags.map { ["user_id": String($0.user.rawValue), "x": $0.x, "y": $0.y] as [String: Any] }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: list)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
