import DarkroomCore
import Foundation

/// Camera details are kept as one JSON text column (`media.camera`, `media_items.camera`): always read whole, never
/// searched.
enum CameraColumn {
    static func encode(_ details: CameraDetails?) -> String? {
        guard let details, !details.isEmpty, let data = try? JSONEncoder().encode(details) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String?) -> CameraDetails? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(CameraDetails.self, from: Data(text.utf8))
    }
}
