import DarkroomCore
import DarkroomStorage
import Foundation

/// The size and random seed of a synthetic data set.
public struct SeedPlan: Sendable {
    public var users: Int
    public var media: Int
    public var seed: UInt64
    /// The data set spans this many days before now.
    public var days: Int = 365
    /// Stored rendition sets the media take turns to show (the seed command renders real ones); without any, media
    /// name a set no file backs.
    public var imageKeys: [String] = []
    /// Stored profile pictures the accounts take turns to wear (one account in seven keeps the default picture).
    public var profilePictureKeys: [String] = []
    /// The share of media posted at a place.
    public var locatedFraction = 0.3

    public init(users: Int, media: Int, seed: UInt64 = 2013) {
        self.users = users
        self.media = media
        self.seed = seed
    }
}

public enum SeedError: Error, CustomStringConvertible {
    case databaseNotEmpty

    public var description: String { "the database already has users: seed an empty one (a new --data-dir or database)" }
}

/// Reports seeding progress (the CLI draws a bar).

/// Builds a deterministic, realistically skewed data set in memory and bulk-loads it:
/// a few accounts with tens of thousands of followers, most users following 50–200 accounts,
/// media with captions, hashtags, places, likes and comments, and every count exact.
public struct SeedGenerator: Sendable {
    let storage: Storage
    let plan: SeedPlan
    let progress: (any BulkProgress)?

    public init(storage: Storage, plan: SeedPlan, progress: (any BulkProgress)?) {
        self.storage = storage
        self.plan = plan
        self.progress = progress
    }

    static let firstNames = [
        "Ada", "Alan", "Grace", "Linus", "Kevin", "Mike", "Shayne", "Jack", "Sammy", "Snoop", "Frida", "Ansel",
        "Dorothea", "Henri", "Vivian", "Robert", "Diane", "Richard", "Cindy", "Walker", "Berenice", "Imogen",
        "Gordon", "Lee", "Margaret", "Edward", "Yousuf", "Nan", "Sally", "Steve",
    ]
    static let placeKinds = ["Café", "Park", "Pier", "Square", "Station", "Gallery"]
    static let lastNames = [
        "Lovelace", "Turing", "Hopper", "Torvalds", "Systrom", "Krieger", "Sweeney", "Dorsey", "Jackson", "Kahlo",
        "Adams", "Lange", "Cartier", "Maier", "Capa", "Arbus", "Avedon", "Sherman", "Evans", "Abbott",
        "Cunningham", "Parks", "Friedlander", "Bourke-White", "Weston", "Karsh", "Goldin", "Mann", "McCurry", "Leibovitz",
    ]
    static let tags = [
        "nofilter", "sunset", "foodtruck", "snow", "love", "instagood", "photooftheday", "beach", "coffee", "dog", "cat",
        "travel", "city", "nature", "art", "summer", "friends", "food", "me", "selfie", "sky", "tbt", "fun", "style",
        "night", "street", "bw", "architecture", "flowers", "mountains", "sea", "clouds", "rain", "portrait", "vintage",
    ]
    static let filters = [
        "Normal", "Amaro", "Rise", "Hudson", "X-Pro II", "Sierra", "Lo-fi", "Earlybird", "Sutro", "Toaster",
        "Brannan", "Inkwell", "Walden", "Hefe", "Valencia", "Nashville", "1977", "Kelvin",
    ]
    static let captionWords = [
        "Inside", "le", "truc", "morning", "light", "on", "the", "bay", "with", "friends", "best", "day", "ever",
        "new", "lens", "walking", "home", "golden", "hour", "look", "at", "this", "view", "finally",
    ]
    static let commentTexts = [
        "Really amazing photo!", "Love this", "Where is this?", "So good", "Wow", "Great colours",
        "This made my day", "Beautiful light", "Miss this place", "Stunning #nofilter",
    ]
    /// How many entries each seeded home feed keeps; older pages are read from the followed accounts.
    public static let feedEntriesPerUser = 100
    /// The number of distinct rendition sets seed media share.
    public static let imageSets = 16
    public static let profilePictures = 24

    public func run() async throws -> [String: Int] {
        var random = SeedRandom(seed: plan.seed)
        let database = storage.database
        guard try await database.query("SELECT 1 FROM users LIMIT 1").isEmpty else { throw SeedError.databaseNotEmpty }
        try await database.prepareForBulkLoad()
        let now = storage.environment.nowSeconds
        let start = now - Int64(plan.days) * 86_400
        let userCount = plan.users
        let ids = IDAllocator(shard: 8000)

        // Users get ids as if they had signed up over the year before the data set starts.
        let userIDs = (0..<userCount).map { index in
            ids.make(seconds: start - 365 * 86_400 + Int64(index) * (365 * 86_400) / Int64(max(userCount, 1)))
        }

        // MARK: Follows: most users follow 50–200 accounts; 4% of draws go to a Zipf-ranked celebrity.
        let popularity = ZipfSampler(count: userCount, exponent: 1.0)
        var followsCount = [Int64](repeating: 0, count: userCount)
        var followersCount = [Int64](repeating: 0, count: userCount)
        var followees = [[Int32]](repeating: [], count: userCount)
        for follower in 0..<userCount {
            let roll = random.int(0..<1000)
            let wanted =
                switch roll {
                case 0: 5000
                case 1..<100: random.int(1..<50)
                case 100..<950: random.int(50..<201)
                default: random.int(300..<1001)
                }
            var chosen = Set<Int32>()
            let target = min(wanted, userCount - 1)
            var attempts = 0
            while chosen.count < target, attempts < target * 4 {
                attempts += 1
                let followee = random.chance(0.04) ? popularity.draw(using: &random) : random.int(0..<userCount)
                if followee != follower { chosen.insert(Int32(followee)) }
            }
            followees[follower] = chosen.sorted()
            followsCount[follower] = Int64(chosen.count)
            for followee in chosen { followersCount[Int(followee)] += 1 }
            if follower % 1000 == 0 { progress?.update(phase: "planning follows", done: follower, total: userCount) }
        }

        // MARK: Media owners: mildly skewed activity; popular accounts post a bit more.
        let activity = ZipfSampler(count: userCount, exponent: 0.6)
        var mediaOwner = [Int32](repeating: 0, count: plan.media)
        var mediaCount = [Int64](repeating: 0, count: userCount)
        for index in 0..<plan.media {
            let owner = random.chance(0.3) ? activity.draw(using: &random) : random.int(0..<userCount)
            mediaOwner[index] = Int32(owner)
            mediaCount[owner] += 1
        }

        // MARK: Users
        var privateUsers = Set<Int>()
        var users = BulkInserter(
            database: database,
            table: "users",
            columns: [
                "id", "username", "username_lc", "full_name", "full_name_lc", "bio", "website", "is_private", "created_at",
                "media_count", "follows_count", "followed_by_count", "profile_picture",
            ]
        )
        for index in 0..<userCount {
            let first = random.pick(Self.firstNames)
            let last = random.pick(Self.lastNames)
            let username = "\(first.lowercased()).\(last.lowercased().replacingOccurrences(of: "-", with: ""))\(index)"
            let fullName = "\(first) \(last)"
            let isPrivate = index >= 100 && random.chance(0.1)  // the most popular accounts stay public
            if isPrivate { privateUsers.insert(index) }
            try await users.add([
                .int(userIDs[index]), .text(username), .text(username), .text(fullName), .text(fullName.lowercased()),
                .text(random.chance(0.5) ? "Photos by \(fullName)" : ""), .text(random.chance(0.2) ? "http://example.com/\(username)" : ""),
                .int(isPrivate ? 1 : 0), .int(IDGenerator.milliseconds(of: userIDs[index]) / 1000),
                .int(mediaCount[index]), .int(followsCount[index]), .int(followersCount[index]),
                // Chosen by position, not drawn: the random sequence, and so the rest of the data set, stays as it was.
                plan.profilePictureKeys.isEmpty || index % 7 == 6 ? .null : .text(plan.profilePictureKeys[index % plan.profilePictureKeys.count]),
            ])
            if index % 1000 == 0 { progress?.update(phase: "users", done: index, total: userCount) }
        }
        try await users.finish()

        // MARK: Locations
        let locationCount = max(1, min(100_000, plan.media / 10))
        var locationIDs: [Int64] = []
        var locationCoordinates: [(Double, Double)] = []
        var locations = BulkInserter(
            database: database,
            table: "locations",
            columns: [
                "id", "name", "latitude", "longitude", "street_address", "foursquare_v2_id", "created_at",
            ]
        )
        // Places cluster around a few cities, as real check-ins do.
        let cities: [(String, Double, Double)] = [
            ("San Francisco", 37.7749, -122.4194), ("New York", 40.7128, -74.0060), ("London", 51.5074, -0.1278),
            ("Paris", 48.8566, 2.3522), ("Tokyo", 35.6762, 139.6503), ("Sydney", -33.8688, 151.2093),
            ("Berlin", 52.5200, 13.4050), ("São Paulo", -23.5505, -46.6333),
        ]
        for index in 0..<locationCount {
            let city = random.pick(cities)
            let latitude = city.1 + Double.random(in: -0.2...0.2, using: &random)
            let longitude = city.2 + Double.random(in: -0.2...0.2, using: &random)
            let id = ids.make(seconds: start - 86_400)
            locationIDs.append(id)
            locationCoordinates.append((latitude, longitude))
            try await locations.add([
                .int(id),
                .text("\(random.pick(Self.lastNames)) \(random.pick(Self.placeKinds)), \(city.0)"),
                .double(latitude), .double(longitude), .text("\(random.int(1..<999)) \(random.pick(Self.lastNames)) St"),
                .text(Hex.encode((0..<12).map { _ in UInt8(random.int(0..<256)) })), .int(start - 86_400),
            ])
            if index % 1000 == 0 { progress?.update(phase: "locations", done: index, total: locationCount) }
        }
        try await locations.finish()

        // MARK: Follows
        var follows = BulkInserter(database: database, table: "follows", columns: ["follower_id", "followee_id", "id", "created_at"])
        for follower in 0..<userCount {
            for followee in followees[follower] {
                let id = ids.make(seconds: start - Int64(random.int(0..<(30 * 86_400))))
                try await follows.add([
                    .int(userIDs[follower]), .int(userIDs[Int(followee)]), .int(id), .int(IDGenerator.milliseconds(of: id) / 1000),
                ])
            }
            if follower % 500 == 0 { progress?.update(phase: "follows", done: follower, total: userCount) }
        }
        try await follows.finish()

        // MARK: Media, with captions, tags, places, likes and comments
        var media = BulkInserter(
            database: database,
            table: "media",
            columns: [
                "id", "user_id", "type", "filter", "caption", "caption_id", "location_id", "latitude", "longitude", "created_at", "image_key",
                "standard_size", "low_size", "thumbnail_size", "tags", "like_count", "comment_count",
            ]
        )
        var likes = BulkInserter(database: database, table: "likes", columns: ["id", "media_id", "user_id", "created_at"])
        var comments = BulkInserter(database: database, table: "comments", columns: ["id", "media_id", "user_id", "text", "created_at"])
        var mediaTags = BulkInserter(database: database, table: "media_tags", columns: ["tag_name", "media_id", "id"])
        var tagCounts: [String: Int64] = [:]
        var publicTagCounts: [String: Int64] = [:]
        let tagPopularity = ZipfSampler(count: Self.tags.count, exponent: 1.1)
        var totals = (likes: 0, comments: 0)
        var mediaByOwner = [[Int64]](repeating: [], count: userCount)
        let span = Int64(plan.days) * 86_400
        for index in 0..<plan.media {
            let owner = Int(mediaOwner[index])
            let created = start + Int64(index) * span / Int64(max(plan.media, 1))
            let mediaID = ids.make(seconds: created)
            mediaByOwner[owner].append(mediaID)
            var tags: [String] = []
            if random.chance(0.5) {
                for _ in 0..<random.int(1..<4) {
                    let tag = Self.tags[tagPopularity.draw(using: &random)]
                    if !tags.contains(tag) { tags.append(tag) }
                }
            }
            var caption: String?
            if random.chance(0.8) {
                let words = (0..<random.int(2..<7)).map { _ in random.pick(Self.captionWords) }
                caption = (words + tags.map { "#" + $0 }).joined(separator: " ")
            }
            let located = random.chance(plan.locatedFraction)
            let location = located ? random.int(0..<locationCount) : 0
            // Popular accounts draw more likes.
            let likeCount = min(userCount - 1, random.geometric(mean: 2.5) + Int(followersCount[owner] / 2000))
            var likers = Set<Int>()
            while likers.count < likeCount { likers.insert(random.int(0..<userCount)) }
            likers.remove(owner)
            let commentCount = random.geometric(mean: 1)

            try await media.add([
                .int(mediaID), .int(userIDs[owner]), .text("image"), .text(random.pick(Self.filters)),
                caption.map(DBValue.text) ?? .null, caption == nil ? .null : .int(ids.make(seconds: created)),
                located ? .int(locationIDs[location]) : .null,
                located ? .double(locationCoordinates[location].0) : .null, located ? .double(locationCoordinates[location].1) : .null,
                .int(created), .text(plan.imageKeys.isEmpty ? "seed/\(index % Self.imageSets)" : plan.imageKeys[index % plan.imageKeys.count]),
                .int(612), .int(306), .int(150), .text(tags.joined(separator: " ")),
                .int(Int64(likers.count)), .int(Int64(commentCount)),
            ])
            for tag in tags {
                try await mediaTags.add([.text(tag), .int(mediaID), .int(mediaID)]) { try await media.finish() }
                tagCounts[tag, default: 0] += 1
                if !privateUsers.contains(owner) { publicTagCounts[tag, default: 0] += 1 }
            }
            for liker in likers.sorted() {
                let likeID = ids.make(seconds: min(now, created + Int64(random.int(60..<86_400))))
                try await likes.add([.int(likeID), .int(mediaID), .int(userIDs[liker]), .int(IDGenerator.milliseconds(of: likeID) / 1000)]) {
                    try await media.finish()
                }
            }
            for _ in 0..<commentCount {
                let commentID = ids.make(seconds: min(now, created + Int64(random.int(60..<86_400))))
                try await comments.add([
                    .int(commentID), .int(mediaID), .int(userIDs[random.int(0..<userCount)]), .text(random.pick(Self.commentTexts)),
                    .int(IDGenerator.milliseconds(of: commentID) / 1000),
                ]) { try await media.finish() }
            }
            totals.likes += likers.count
            totals.comments += commentCount
            if index % 2000 == 0 { progress?.update(phase: "media", done: index, total: plan.media) }
        }
        try await media.finish()
        try await likes.finish()
        try await comments.finish()
        try await mediaTags.finish()

        // MARK: Home feeds: each user's newest entries, as fan-out on write would have left them.
        var feeds = BulkInserter(database: database, table: "feed_entries", columns: ["user_id", "media_id", "author_id"])
        var floors: [(user: Int64, floor: Int64)] = []
        for user in 0..<userCount {
            var candidates: [(media: Int64, author: Int)] = []
            for author in followees[user].map(Int.init) + [user] {
                for media in mediaByOwner[author].suffix(Self.feedEntriesPerUser) { candidates.append((media, author)) }
            }
            candidates.sort { $0.media > $1.media }
            for entry in candidates.prefix(Self.feedEntriesPerUser).reversed() {
                try await feeds.add([.int(userIDs[user]), .int(entry.media), .int(userIDs[entry.author])])
            }
            // A feed cut at its bound is complete only above its oldest entry.
            if candidates.count > Self.feedEntriesPerUser {
                floors.append((userIDs[user], candidates[Self.feedEntriesPerUser - 1].media - 1))
            }
            if user % 1000 == 0 { progress?.update(phase: "home feeds", done: user, total: userCount) }
        }
        try await feeds.finish()
        for chunk in stride(from: 0, to: floors.count, by: 5000) {
            let batch = floors[chunk..<min(chunk + 5000, floors.count)]
            try await database.transaction { tx in
                for entry in batch { try await tx.execute("UPDATE users SET feed_floor = \(entry.floor) WHERE id = \(entry.user)") }
            }
        }

        var tagRows = BulkInserter(database: database, table: "tags", columns: ["name", "media_count", "public_media_count"])
        for (tag, count) in tagCounts.sorted(by: { $0.key < $1.key }) {
            try await tagRows.add([.text(tag), .int(count), .int(publicTagCounts[tag] ?? 0)])
        }
        try await tagRows.finish()

        progress?.update(phase: "analyzing", done: 0, total: 1)
        try await database.execute("ANALYZE")
        progress?.finish()
        return [
            "users": userCount, "media": plan.media, "follows": Int(followsCount.reduce(0, +)), "likes": totals.likes,
            "comments": totals.comments, "locations": locationCount, "tags": tagCounts.count,
        ]
    }
}

/// Unique, time-ordered ids for seeded rows: the shard and sequence bits count up, so no two collide.
final class IDAllocator: @unchecked Sendable {
    private var counter: Int64 = 0
    private let shard: Int64

    init(shard: Int64) { self.shard = shard }

    func make(seconds: Int64) -> Int64 {
        counter += 1
        // 23 low bits: 13 of shard and 10 of sequence; spread the counter over both above the shard base.
        let low = (shard << 10 + counter) & ((1 << 23) - 1)
        return ((seconds * 1000 + counter % 1000 - IDGenerator.epochMilliseconds) << 23) | low
    }
}
