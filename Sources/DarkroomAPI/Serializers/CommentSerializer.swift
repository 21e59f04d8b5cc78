import DarkroomCore

/// A comment, and a caption (which has the same shape).
struct CommentSerializer {
    let users: UserSerializer

    func comment(_ comment: Comment, into writer: inout JSONWriter) {
        writer.object { object in
            object.pair("created_time", String(comment.createdAt))
            object.pair("text", comment.text)
            object.key("from")
            users.author(comment.from, into: &object)
            object.idPair("id", comment.id.rawValue)
        }
    }
}
