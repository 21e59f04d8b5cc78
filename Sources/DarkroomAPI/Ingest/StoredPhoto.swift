import DarkroomCore

/// A photo's files, stored: its renditions under their key, its original under its own.
struct StoredPhoto: Sendable {
    var renditions: Renditions
    var originalKey: String
    var camera: CameraDetails?
}
