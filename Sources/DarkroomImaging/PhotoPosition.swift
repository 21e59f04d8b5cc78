import DarkroomCore

/// Where a photo was taken, from its EXIF GPS fields (`exif-ifd3-GPSLatitude` as degrees, minutes and seconds, and its
/// `…Ref`, N or S; the same for longitude). Read only so the posting page can offer the places near it; nothing keeps
/// it — the files served have no metadata, and a post has a place only when its person picks one.
enum PhotoPosition {
    static func read(_ image: VImage) -> GeoPoint? {
        guard let latitude = degrees(image, "Latitude", negative: "S"), let longitude = degrees(image, "Longitude", negative: "W"),
            (-90...90).contains(latitude), (-180...180).contains(longitude), latitude != 0 || longitude != 0
        else { return nil }
        return GeoPoint(latitude: latitude, longitude: longitude)
    }

    private static func degrees(_ image: VImage, _ axis: String, negative: String) -> Double? {
        guard let text = CameraFields.field(image, "exif-ifd3-GPS\(axis)") else { return nil }
        let parts = text.split(separator: ",").compactMap { Double(String($0).trimmingSpaces()) }
        guard (1...3).contains(parts.count), parts.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        let value = parts.enumerated().reduce(0.0) { sum, part in sum + part.element / [1.0, 60, 3600][part.offset] }
        let reference = CameraFields.field(image, "exif-ifd3-GPS\(axis)Ref")?.uppercased()
        return reference?.hasPrefix(negative) == true ? -value : value
    }
}
