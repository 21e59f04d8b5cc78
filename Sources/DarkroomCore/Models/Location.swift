public struct Location: Sendable, Equatable {
    public var id: LocationID?
    public var name: String?
    public var latitude: Double
    public var longitude: Double
    public var streetAddress: String?

    public init(id: LocationID?, name: String?, latitude: Double, longitude: Double, streetAddress: String? = nil) {
        self.id = id
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.streetAddress = streetAddress
    }
}
