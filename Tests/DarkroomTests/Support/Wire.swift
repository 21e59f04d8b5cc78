import Foundation
import HummingbirdTesting
import NIOCore
import Testing

// The v1 objects as a client reads them: a test decodes a response once into these, so a change of shape fails at
// that decode, with the field's name, instead of as a nil somewhere down a chain of casts.

struct WireMeta: Decodable, Sendable {
    var code: Int
    var errorType: String?
    var errorMessage: String?

    enum CodingKeys: String, CodingKey {
        case code
        case errorType = "error_type"
        case errorMessage = "error_message"
    }
}

struct WireCounts: Decodable, Equatable, Sendable {
    var media: Int
    var follows: Int
    var followedBy: Int

    enum CodingKeys: String, CodingKey {
        case media, follows
        case followedBy = "followed_by"
    }
}

struct WireUser: Decodable, Sendable {
    var id: String
    var username: String
    var fullName: String?
    var profilePicture: String?
    var bio: String?
    var website: String?
    var counts: WireCounts?
    var firstName: String?
    var lastName: String?
    var type: String?

    enum CodingKeys: String, CodingKey {
        case id, username, bio, website, counts, type
        case fullName = "full_name"
        case profilePicture = "profile_picture"
        case firstName = "first_name"
        case lastName = "last_name"
    }
}

struct WireComment: Decodable, Sendable {
    var id: String
    var text: String
    var createdTime: String
    var from: WireUser

    enum CodingKeys: String, CodingKey {
        case id, text, from
        case createdTime = "created_time"
    }
}

/// `likes` and `comments` in a media object: the true count and a sample.
struct WireSample<Item: Decodable & Sendable>: Decodable, Sendable {
    var count: Int
    var data: [Item]
}

struct WireImage: Decodable, Sendable {
    var url: String
    var width: Int
    var height: Int
}

struct WireLocation: Decodable, Sendable {
    var id: String?
    var name: String?
    var latitude: Double
    var longitude: Double
    var streetAddress: String?

    enum CodingKeys: String, CodingKey {
        case id, name, latitude, longitude
        case streetAddress = "street_address"
    }
}

struct WirePersonInPhoto: Decodable, Sendable {
    struct Position: Decodable, Sendable {
        var x: Double
        var y: Double
    }

    var user: WireUser
    var position: Position
}

struct WireMedia: Decodable, Sendable {
    var id: String
    var type: String
    var filter: String
    var link: String
    var createdTime: String
    var tags: [String]
    var images: [String: WireImage]
    var user: WireUser
    var caption: WireComment?
    var likes: WireSample<WireUser>
    var comments: WireSample<WireComment>
    var userHasLiked: Bool?
    var usersInPhoto: [WirePersonInPhoto]
    var location: WireLocation?
    var distance: Double?
    var aspectRatio: Double?
    var altText: String?
    var renditions: [WireRendition]?
    var camera: [String: String]?
    var carouselMedia: [WireCarouselItem]?
    var videos: [String: WireImage]?
    var videoRenditions: [WireRendition]?

    enum CodingKeys: String, CodingKey {
        case id, type, filter, link, tags, images, user, caption, likes, comments, location, distance, renditions, camera, videos
        case videoRenditions = "video_renditions"
        case createdTime = "created_time"
        case userHasLiked = "user_has_liked"
        case usersInPhoto = "users_in_photo"
        case aspectRatio = "aspect_ratio"
        case altText = "alt_text"
        case carouselMedia = "carousel_media"
    }
}

struct WireRendition: Decodable, Sendable {
    var url: String
    var width: Int
    var height: Int
    var format: String
}

struct WireCarouselItem: Decodable, Sendable {
    var type: String
    var images: [String: WireImage]
    var filter: String
    var aspectRatio: Double
    var altText: String?
    var renditions: [WireRendition]
    var usersInPhoto: [WirePersonInPhoto]

    enum CodingKeys: String, CodingKey {
        case type, images, filter, renditions
        case aspectRatio = "aspect_ratio"
        case altText = "alt_text"
        case usersInPhoto = "users_in_photo"
    }
}

struct WireRelationship: Decodable, Sendable {
    var outgoingStatus: String
    var incomingStatus: String
    var targetUserIsPrivate: Bool

    enum CodingKeys: String, CodingKey {
        case outgoingStatus = "outgoing_status"
        case incomingStatus = "incoming_status"
        case targetUserIsPrivate = "target_user_is_private"
    }
}

struct WireTag: Decodable, Sendable {
    var name: String
    var mediaCount: Int

    enum CodingKeys: String, CodingKey {
        case name
        case mediaCount = "media_count"
    }
}

/// Anything with an id, for lists only their order matters in.
struct WireIdentified: Decodable, Sendable {
    var id: String
}

/// A response in the v1 envelope: `meta`, `data` (read as whichever wire type the test expects), `pagination`.
struct JSONBody: Sendable {
    let status: Int
    let body: Data
    let meta: WireMeta
    /// Pagination values are strings (`next_url`, `next_max_id`, `next_cursor`, …); nil when the body has none.
    let pagination: [String: String]?

    private struct Head: Decodable {
        var meta: WireMeta
        var pagination: [String: String]?
    }

    private struct Payload<T: Decodable>: Decodable {
        var data: T
    }

    init(_ response: TestResponse) throws {
        status = Int(response.status.code)
        body = Data(response.body.readableBytesView)
        do {
            let head = try JSONDecoder().decode(Head.self, from: body)
            (meta, pagination) = (head.meta, head.pagination)
        } catch {
            throw WireError(problem: "\(error)", body: String(decoding: body, as: UTF8.self))
        }
    }

    var code: Int { meta.code }
    var errorType: String? { meta.errorType }
    var errorMessage: String { meta.errorMessage ?? "" }

    /// `data`, decoded as `type`; a body of another shape is recorded as a test failure, with the body, and gives nil.
    func data<T: Decodable>(_ type: T.Type = T.self, sourceLocation: SourceLocation = #_sourceLocation) -> T? {
        do {
            return try JSONDecoder().decode(Payload<T>.self, from: body).data
        } catch {
            Issue.record(WireError(problem: "\(error)", body: String(decoding: body, as: UTF8.self)), sourceLocation: sourceLocation)
            return nil
        }
    }

    var user: WireUser? { data() }
    var users: [WireUser] { data() ?? [] }
    var media: WireMedia? { data() }
    var mediaList: [WireMedia] { data() ?? [] }
    var comment: WireComment? { data() }
    var comments: [WireComment] { data() ?? [] }
    var relationship: WireRelationship? { data() }
    var location: WireLocation? { data() }
    var locations: [WireLocation] { data() ?? [] }
    var tag: WireTag? { data() }
    var tags: [WireTag] { data() ?? [] }
    /// The ids of a list, in order.
    var ids: [String] { data([WireIdentified].self)?.map(\.id) ?? [] }
    /// How many items a list holds.
    var count: Int { data([WireAnything].self)?.count ?? -1 }

    /// Whether the body has a `data` field at all (errors have none).
    var hasDataField: Bool { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["data"] != nil }

    /// Whether `data` is JSON null (the answer of writes such as a like).
    var dataIsNull: Bool { (try? JSONDecoder().decode(Payload<NullData>.self, from: body)) != nil }

    /// The names of the fields of the object at `path` under `data` (keys and list indexes), for tests of an object's
    /// exact shape: `keys()` for `data` itself, `keys(0, "images")` for the first item's images.
    func keys(_ path: any Sendable..., sourceLocation: SourceLocation = #_sourceLocation) -> Set<String> {
        var node = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["data"]
        for step in path {
            switch step {
            case let index as Int: node = (node as? [Any]).flatMap { index < $0.count ? $0[index] : nil }
            case let name as String: node = (node as? [String: Any])?[name]
            default: node = nil
            }
        }
        guard let object = node as? [String: Any] else {
            Issue.record(WireError(problem: "no object at \(path)", body: String(decoding: body, as: UTF8.self)), sourceLocation: sourceLocation)
            return []
        }
        return Set(object.keys)
    }

    /// The whole body, parsed, for comparing two answers as values.
    var parsed: NSDictionary { ((try? JSONSerialization.jsonObject(with: body)) as? NSDictionary) ?? [:] }

    private struct NullData: Decodable {
        init(from decoder: any Decoder) throws {
            guard try decoder.singleValueContainer().decodeNil() else {
                throw DecodingError.typeMismatch(NullData.self, .init(codingPath: decoder.codingPath, debugDescription: "not null"))
            }
        }
    }

    private struct WireAnything: Decodable {}
}

struct WireError: Error, CustomStringConvertible {
    var problem: String
    var body: String
    var description: String { "\(problem) in \(body.prefix(2000))" }
}

/// What `/oauth/access_token` answers, with no envelope: the token and its user, or v1's error fields and RFC 6749's
/// `error`.
struct WireTokenAnswer: Decodable, Sendable {
    var accessToken: String?
    var user: WireUser?
    var code: Int?
    var errorType: String?
    var errorMessage: String?
    var error: String?
    /// Always nil: the token endpoint has no envelope.
    var meta: WireMeta?

    enum CodingKeys: String, CodingKey {
        case user, code, error, meta
        case accessToken = "access_token"
        case errorType = "error_type"
        case errorMessage = "error_message"
    }
}
