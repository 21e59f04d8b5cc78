import Foundation

/// A point on the Earth and the great-circle arithmetic every geo search shares, so both engines give one answer.
public struct GeoPoint: Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    static let earthRadius = 6_371_008.8

    /// Great-circle distance in meters (haversine).
    public func distance(to other: GeoPoint) -> Double {
        let φ1 = latitude * .pi / 180
        let φ2 = other.latitude * .pi / 180
        let Δφ = (other.latitude - latitude) * .pi / 180
        let Δλ = (other.longitude - longitude) * .pi / 180
        let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * Self.earthRadius * asin(min(1, sqrt(a)))
    }

    /// A latitude/longitude box that holds every point within `meters`: the index range a search reads before
    /// measuring exactly. Near the poles or the antimeridian the box widens to the full longitude range.
    public func boundingBox(meters: Double) -> (minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double) {
        let latitudeDelta = meters / Self.earthRadius * 180 / .pi
        let minLatitude = max(-90, latitude - latitudeDelta)
        let maxLatitude = min(90, latitude + latitudeDelta)
        let widest = max(abs(minLatitude), abs(maxLatitude))
        guard widest < 89.9 else { return (minLatitude, maxLatitude, -180, 180) }
        let longitudeDelta = latitudeDelta / cos(widest * .pi / 180)
        let minLongitude = longitude - longitudeDelta
        let maxLongitude = longitude + longitudeDelta
        guard minLongitude >= -180, maxLongitude <= 180 else { return (minLatitude, maxLatitude, -180, 180) }
        return (minLatitude, maxLatitude, minLongitude, maxLongitude)
    }
}
