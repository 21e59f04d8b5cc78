import DarkroomStorage
import Logging

/// Everything handlers share, built once per application.
struct Dependencies: Sendable {
    let storage: Storage
    let links: Links
    let logger: Logger
    let mediaCache = MediaFragmentCache()

    var users: UserSerializer { UserSerializer(links: links) }
    var media: MediaSerializer { MediaSerializer(links: links) }
    var mediaLists: MediaListRenderer { MediaListRenderer(storage: storage, cache: mediaCache, serializer: media) }
    var mediaResponses: MediaResponses { MediaResponses(renderer: mediaLists) }
}
