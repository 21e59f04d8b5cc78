import DarkroomCore
import DarkroomStorage

/// The activity object (a Darkroom addition, `GET /v1/users/self/activity`): what happened, who did it, when, whether
/// it is new to the person, and the media and comment it was about, the media as its link and thumbnail.
struct ActivitySerializer {
    let links: Links
    let users: UserSerializer

    func activity(_ activity: Activity, tile: MediaTile?, into writer: inout JSONWriter) {
        writer.object { object in
            object.idPair("id", activity.id)
            object.pair("type", activity.kind.rawValue)
            object.pair("created_time", String(activity.createdAt))
            object.pair("unread", activity.isUnread)
            object.key("user")
            users.mini(activity.actor, into: &object)
            object.key("media")
            if let tile {
                object.object { media in
                    media.idPair("id", tile.id.rawValue)
                    media.pair("link", links.permalink(tile.id))
                    media.key("images")
                    media.object { images in
                        images.key("thumbnail")
                        images.object { image in
                            image.pair("url", links.rendition(tile.renditions, "thumbnail"))
                            image.pair("width", Int64(tile.renditions.thumbnail))
                            image.pair("height", Int64(tile.renditions.thumbnail))
                        }
                    }
                }
            } else {
                object.null()
            }
            object.key("comment")
            if let comment = activity.comment {
                object.object { item in
                    item.idPair("id", comment.id.rawValue)
                    item.pair("text", comment.text)
                }
            } else {
                object.null()
            }
        }
    }
}
