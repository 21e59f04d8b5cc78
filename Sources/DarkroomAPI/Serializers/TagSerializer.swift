import DarkroomCore
import DarkroomStorage
import Hummingbird

/// The tag object.
struct TagSerializer {
    func tag(_ tag: Tag, into writer: inout JSONWriter) {
        writer.object { object in
            object.pair("media_count", tag.mediaCount)
            object.pair("name", tag.name)
        }
    }
}
