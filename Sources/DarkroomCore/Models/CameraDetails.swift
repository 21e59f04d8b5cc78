/// What the camera recorded about a photo, read from its original's EXIF; shown only when its photographer opts in.
/// Each value is as the camera wrote it, e.g. `f/2.8`, `1/125 sec.`, `50.0 mm`.
public struct CameraDetails: Sendable, Equatable, Codable {
    public var make: String?
    public var model: String?
    public var lens: String?
    public var focalLength: String?
    public var aperture: String?
    public var exposureTime: String?
    public var iso: String?

    enum CodingKeys: String, CodingKey {
        case make, model, lens, aperture, iso
        case focalLength = "focal_length"
        case exposureTime = "exposure_time"
    }

    public init(
        make: String? = nil,
        model: String? = nil,
        lens: String? = nil,
        focalLength: String? = nil,
        aperture: String? = nil,
        exposureTime: String? = nil,
        iso: String? = nil
    ) {
        self.make = make
        self.model = model
        self.lens = lens
        self.focalLength = focalLength
        self.aperture = aperture
        self.exposureTime = exposureTime
        self.iso = iso
    }

    public var isEmpty: Bool { [make, model, lens, focalLength, aperture, exposureTime, iso].allSatisfy { $0 == nil } }

    /// The camera's name as people say it: the model, with the make first unless the model already starts with it.
    public var camera: String? {
        guard let model else { return make }
        guard let make, !model.lowercased().hasPrefix(make.lowercased().split(separator: " ").first.map(String.init) ?? make.lowercased())
        else { return model }
        return make + " " + model
    }
}
