import DarkroomCore
import Foundation

/// A post held for review: everything its media row will need, its files already made.
public struct HeldPost: Sendable, Codable, Equatable {
    public struct Photo: Sendable, Codable, Equatable {
        public var filter: String
        public var key: String
        public var standard: Int
        public var low: Int
        public var thumbnail: Int
        public var full: String
        public var originalKey: String?
        public var camera: CameraDetails?
        public var altText: String?
        /// A video's files beside its cover's (`VideoRenditions.encoded`).
        public var video: String?
        public var crop: String?
        public var focusX: Double?
        public var focusY: Double?

        var cropped: Crop { Crop(shape: crop.flatMap(Crop.Shape.init) ?? .original, focusX: focusX ?? 0.5, focusY: focusY ?? 0.5) }
    }

    /// `video` for a video post; nil for photos and carousels.
    public var type: String?
    public var caption: String?
    public var latitude: Double?
    public var longitude: Double?
    public var locationID: Int64?
    public var comments: [ImportedComment]?
    public var photos: [Photo]

    public init(_ new: NewMedia) {
        type = new.type == "video" ? "video" : nil
        caption = new.caption
        latitude = new.latitude
        longitude = new.longitude
        locationID = new.locationID?.rawValue
        comments = new.importedComments
        let first = Photo(
            filter: new.filter,
            key: new.renditions.key,
            standard: new.renditions.standard,
            low: new.renditions.low,
            thumbnail: new.renditions.thumbnail,
            full: Renditions.encode(new.renditions.full),
            originalKey: new.originalKey,
            camera: new.camera,
            altText: new.altText,
            video: new.renditions.video?.encoded,
            crop: new.crop.shape.rawValue,
            focusX: new.crop.focusX,
            focusY: new.crop.focusY
        )
        photos =
            [first]
            + new.carouselItems.map {
                Photo(
                    filter: $0.filter,
                    key: $0.renditions.key,
                    standard: $0.renditions.standard,
                    low: $0.renditions.low,
                    thumbnail: $0.renditions.thumbnail,
                    full: Renditions.encode($0.renditions.full),
                    originalKey: $0.originalKey,
                    camera: $0.camera,
                    altText: $0.altText,
                    crop: $0.crop.shape.rawValue,
                    focusX: $0.crop.focusX,
                    focusY: $0.crop.focusY
                )
            }
    }

    func renditions(_ photo: Photo) -> Renditions {
        var renditions = Renditions(
            key: photo.key,
            standard: photo.standard,
            low: photo.low,
            thumbnail: photo.thumbnail,
            full: Renditions.decode(photo.full)
        )
        renditions.video = VideoRenditions.decode(photo.video)
        return renditions
    }

    /// The post as it is made when its owner publishes it.
    public func newMedia(owner: UserID, imported: ImportedPost) -> NewMedia {
        let first = photos[0]
        var new = NewMedia(
            owner: owner,
            type: type ?? "image",
            filter: first.filter,
            caption: caption,
            locationID: locationID.map(LocationID.init),
            latitude: latitude,
            longitude: longitude,
            renditions: renditions(first)
        )
        new.importedComments = comments ?? []
        new.originalKey = first.originalKey
        new.camera = first.camera
        new.altText = first.altText
        new.crop = first.cropped
        new.imported = imported
        new.carouselItems = photos.dropFirst().map {
            NewPhoto(
                filter: $0.filter,
                renditions: renditions($0),
                altText: $0.altText,
                originalKey: $0.originalKey,
                crop: $0.cropped,
                camera: $0.camera,
                usersInPhoto: []
            )
        }
        return new
    }

    /// The keys of its files: renditions, then originals.
    var fileKeys: [String] { photos.map(\.key) + photos.compactMap(\.originalKey) }
}
