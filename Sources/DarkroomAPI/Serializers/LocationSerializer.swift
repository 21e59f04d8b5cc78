import DarkroomCore

/// A location; a bare geotag has a null id and name.
struct LocationSerializer {
    func location(_ location: Location, into writer: inout JSONWriter) {
        writer.object { object in
            if let id = location.id {
                object.idPair("id", id.rawValue)
            } else {
                object.key("id")
                object.null()
            }
            object.pair("name", location.name)
            object.pair("latitude", location.latitude)
            object.pair("longitude", location.longitude)
            if let street = location.streetAddress { object.pair("street_address", street) }
        }
    }
}
