import DarkroomCore

/// The relationship object: exactly three keys (python-instagram rejects any other).
struct RelationshipSerializer {
    func relationship(_ relationship: Relationship, into writer: inout JSONWriter) {
        writer.object { object in
            object.pair("outgoing_status", relationship.outgoing.rawValue)
            object.pair("incoming_status", relationship.incoming.rawValue)
            object.pair("target_user_is_private", relationship.targetIsPrivate)
        }
    }
}
