import DarkroomCore

/// Places: lookups by id and by external ids, searches by distance, and the media posted at each.
///
/// A place a person made by naming it in an upload (`created_by`) is seen only through media the viewer may see
/// there (`visible`): a private account's home stays private. Places an operator imported (the gazetteer) are public.
public struct LocationStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    static let columns = "l.id, l.name, l.latitude, l.longitude, l.street_address"

    public func create(
        name: String,
        at point: GeoPoint,
        streetAddress: String = "",
        foursquareID: String? = nil,
        foursquareV2ID: String? = nil,
        facebookPlacesID: String? = nil,
        createdBy: UserID? = nil
    ) async throws -> Location {
        let id = LocationID(environment.ids.next())
        try await database.execute(
            """
            INSERT INTO locations (id, name, latitude, longitude, street_address, foursquare_id, foursquare_v2_id, facebook_places_id, created_at,
                                   created_by)
            VALUES (\(id), \(name), \(point.latitude), \(point.longitude), \(streetAddress), \(foursquareID), \(foursquareV2ID),
                    \(facebookPlacesID), \(environment.nowSeconds), \(createdBy?.rawValue))
            """
        )
        return Location(id: id, name: name, latitude: point.latitude, longitude: point.longitude, streetAddress: streetAddress)
    }

    /// The place of this name within 100 m of the point that the uploader may see, or a new one there, made by them:
    /// an upload naming its place.
    public func findOrCreate(name: String, at point: GeoPoint, by uploader: UserID) async throws -> Location {
        let nearby = try await near(point, meters: 100, count: 100, viewer: uploader)
        if let same = nearby.first(where: { $0.location.name?.lowercased() == name.lowercased() }) { return same.location }
        return try await create(name: name, at: point, createdBy: uploader)
    }

    /// A condition on the locations row aliased `l`: the viewer may see the place — it was imported, or some media the
    /// viewer may see was posted there (one probe of the `(location_id, id)` index per place considered).
    static func visible(to viewer: UserID?) -> SQL {
        """
        (l.created_by IS NULL OR EXISTS (SELECT 1 FROM media pm JOIN users pu ON pu.id = pm.user_id
                                          WHERE pm.location_id = l.id AND \(Visibility.mediaOf(owner: "pu", viewer: viewer))))
        """
    }

    /// A place to import.
    public struct NewLocation: Sendable {
        public var name: String
        public var point: GeoPoint
        public var streetAddress: String
        public var foursquareID: String?
        public var foursquareV2ID: String?
        public var facebookPlacesID: String?

        public init(
            name: String,
            point: GeoPoint,
            streetAddress: String = "",
            foursquareID: String? = nil,
            foursquareV2ID: String? = nil,
            facebookPlacesID: String? = nil
        ) {
            self.name = name
            self.point = point
            self.streetAddress = streetAddress
            self.foursquareID = foursquareID
            self.foursquareV2ID = foursquareV2ID
            self.facebookPlacesID = facebookPlacesID
        }
    }

    /// Loads many places at once (the gazetteer import), in large batches.
    public func importAll(_ places: [NewLocation], progress: (any BulkProgress)? = nil) async throws {
        var inserter = BulkInserter(
            database: database,
            table: "locations",
            columns: [
                "id", "name", "latitude", "longitude", "street_address", "foursquare_id", "foursquare_v2_id", "facebook_places_id", "created_at",
            ]
        )
        let now = environment.nowSeconds
        for (index, place) in places.enumerated() {
            try await inserter.add([
                .int(environment.ids.next()), .text(place.name), .double(place.point.latitude), .double(place.point.longitude),
                .text(place.streetAddress), place.foursquareID.map(DBValue.text) ?? .null, place.foursquareV2ID.map(DBValue.text) ?? .null,
                place.facebookPlacesID.map(DBValue.text) ?? .null, .int(now),
            ])
            if index % 1000 == 0 { progress?.update(phase: "locations", done: index, total: places.count) }
        }
        try await inserter.finish()
        progress?.update(phase: "locations", done: places.count, total: places.count)
        progress?.finish()
    }

    /// A place by id, if the viewer may see it (`nil` viewer: a client_id-only caller; `anyone` skips the rule, for
    /// checks that are not about a person).
    public func find(_ id: LocationID, viewer: UserID?) async throws -> Location? {
        try await database.lookup(
            "SELECT \(raw: Self.columns) FROM locations l WHERE l.id = \(id) AND \(Self.visible(to: viewer))"
        ).decodeFirst(Self.location)
    }

    public enum ExternalID: String, Sendable {
        case foursquare = "foursquare_id"
        case foursquareV2 = "foursquare_v2_id"
        case facebookPlaces = "facebook_places_id"
    }

    public func find(external kind: ExternalID, _ value: String, viewer: UserID?) async throws -> [Location] {
        try await database.query(
            "SELECT \(raw: Self.columns) FROM locations l WHERE l.\(raw: kind.rawValue) = \(value) AND \(Self.visible(to: viewer)) LIMIT 20"
        ).decode(Self.location)
    }

    /// Locations within `meters` of a point, nearest first, measured along the great circle.
    public func near(_ point: GeoPoint, meters: Double, count: Int, viewer: UserID?) async throws -> [(location: Location, distance: Double)] {
        let inBox = Self.inBox(point.boundingBox(meters: meters), row: "l", index: "locations_geo", engine: database.engine)
        let locations = try await database.query(
            "SELECT \(raw: Self.columns) FROM locations l WHERE \(inBox) AND \(Self.visible(to: viewer))"
        ).decode(Self.location)
        var found: [(location: Location, distance: Double)] = []
        for location in locations {
            let distance = point.distance(to: GeoPoint(latitude: location.latitude, longitude: location.longitude))
            if distance <= meters { found.append((location, distance)) }
        }
        found.sort { first, second in
            first.distance != second.distance
                ? first.distance < second.distance
                : (first.location.id?.rawValue ?? 0) < (second.location.id?.rawValue ?? 0)
        }
        return Array(found.prefix(count))
    }

    /// Places whose name starts with `prefix` (letter case aside): the nearest to `point` first when one is given (of
    /// the first matches by name), otherwise by name.
    public func search(named prefix: String, near point: GeoPoint?, count: Int, viewer: UserID?) async throws -> [Location] {
        // SQLite's lower() changes ASCII letters only: the needle is lowered the same way, so both sides agree.
        let needle = database.engine == .sqlite ? String(prefix.map { $0.isASCII ? Character($0.lowercased()) : $0 }) : prefix.lowercased()
        guard !needle.isEmpty else { return [] }
        let matches: SQL =
            switch database.engine {
            case .sqlite: "lower(l.name) >= \(needle) AND lower(l.name) < \(needle + "\u{10FFFF}")"
            case .postgres: "lower(l.name) LIKE \(UserStore.escapeLike(needle) + "%")"
            }
        // Enough rows to choose the nearest from; a gazetteer holds many places of one name.
        let rows = try await database.query(
            """
            SELECT \(raw: Self.columns) FROM locations l WHERE \(matches) AND \(Self.visible(to: viewer))
             ORDER BY lower(l.name), l.id LIMIT \(point == nil ? count : count * 20)
            """
        ).decode(Self.location)
        guard let point else { return rows }
        let ranked = rows.map { ($0, point.distance(to: GeoPoint(latitude: $0.latitude, longitude: $0.longitude))) }
        return Array(ranked.sorted { $0.1 < $1.1 }.prefix(count).map(\.0))
    }

    /// The rows whose point lies in a box (a prefilter: exact distances are measured after), through each engine's
    /// two-dimensional index: SQLite's R*Tree (`index`, kept by triggers; for media also bounded by creation time),
    /// PostgreSQL's GiST over `point(longitude, latitude)`.
    static func inBox(
        _ box: (minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double),
        times: ClosedRange<Int64>? = nil,
        row: String,
        index: String,
        engine: SQLEngine
    ) -> SQL {
        switch engine {
        case .sqlite:
            var inTree: SQL = """
                SELECT id FROM \(raw: index) WHERE max_latitude >= \(box.minLatitude) AND min_latitude <= \(box.maxLatitude)
                   AND max_longitude >= \(box.minLongitude) AND min_longitude <= \(box.maxLongitude)
                """
            if let times { inTree = "\(inTree) AND max_time >= \(times.lowerBound) AND min_time <= \(times.upperBound)" }
            return "\(raw: row).id IN (\(inTree))"
        case .postgres:
            return """
                \(raw: row).latitude IS NOT NULL AND \(raw: row).longitude IS NOT NULL
                AND point(\(raw: row).longitude, \(raw: row).latitude) <@ box(point(\(box.minLongitude), \(box.minLatitude)),
                    point(\(box.maxLongitude), \(box.maxLatitude)))
                """
        }
    }

    /// Media posted at a location, newest first; media the viewer may not see is left out.
    public func recentMedia(at location: LocationID, page: MediaPageRequest, viewer: UserID?) async throws -> [MediaID] {
        let bounds = MediaStore.idBounds(page, column: "m.id")
        return try await database.query(
            """
            SELECT m.id FROM media m JOIN users u ON u.id = m.user_id
             WHERE m.location_id = \(location) \(bounds) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
             ORDER BY m.id DESC LIMIT \(page.count + 1)
            """
        ).decode { try $0.id(MediaID.self) }
    }

    /// Media geotagged within `meters` of a point and inside the id (time) bounds, nearest first, with distances.
    public func mediaNear(_ point: GeoPoint, meters: Double, page: MediaPageRequest, viewer: UserID?) async throws -> [(MediaID, Double)] {
        let times = (page.minTimestamp ?? 0)...(page.maxTimestamp ?? Int64.max)
        let inBox = Self.inBox(point.boundingBox(meters: meters), times: times, row: "m", index: "media_geo", engine: database.engine)
        let bounds = MediaStore.idBounds(page, column: "m.id")
        let rows = try await database.query(
            """
            SELECT m.id, m.latitude, m.longitude FROM media m JOIN users u ON u.id = m.user_id
             WHERE \(inBox) \(bounds) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
            """
        ).decode { (id: try $0.id(MediaID.self), point: GeoPoint(latitude: try $0.double(), longitude: try $0.double())) }
        var found: [(MediaID, Double)] = []
        for row in rows {
            let distance = point.distance(to: row.point)
            if distance <= meters { found.append((row.id, distance)) }
        }
        found.sort { first, second in first.1 != second.1 ? first.1 < second.1 : first.0 > second.0 }
        return Array(found.prefix(page.count))
    }

    /// Public media inside a circle, newest first (`/geographies/{id}/media/recent`), `page.count + 1` at most so
    /// the caller knows whether more follow. Reads the newest 2,000 in the circle's box within the page's bounds.
    public func recentPublicMedia(in point: GeoPoint, meters: Double, page: MediaPageRequest) async throws -> [MediaID] {
        let inBox = Self.inBox(point.boundingBox(meters: meters), times: 0...Int64.max, row: "m", index: "media_geo", engine: database.engine)
        let rows = try await database.query(
            """
            SELECT m.id, m.latitude, m.longitude FROM media m JOIN users u ON u.id = m.user_id
             WHERE \(inBox) \(MediaStore.idBounds(page, column: "m.id")) AND \(Visibility.mediaOf(owner: "u", viewer: nil))
             ORDER BY m.id DESC LIMIT 2000
            """
        ).decode { (id: try $0.id(MediaID.self), point: GeoPoint(latitude: try $0.double(), longitude: try $0.double())) }
        return Array(rows.filter { point.distance(to: $0.point) <= meters }.prefix(page.count + 1).map(\.id))
    }

    /// Reads `columns`.
    private static func location(_ row: inout Row) throws -> Location {
        Location(
            id: try row.id(),
            name: try row.string(),
            latitude: try row.double(),
            longitude: try row.double(),
            streetAddress: try row.optionalString()
        )
    }
}
