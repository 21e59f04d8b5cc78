import DarkroomCore

/// A photo's files, stored: its renditions under their key, its original under its own.
struct StoredPhoto: Sendable {
    var renditions: Renditions
    /// Nil for a re-render, whose original was kept before.
    var originalKey: String?
    var camera: CameraDetails?
}
