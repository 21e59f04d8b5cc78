import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

struct LocationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "locations", abstract: "Manage places.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load places from a CSV file (a header with name, latitude/lat, longitude/lng and optionally street_address, "
                + "foursquare_id, foursquare_v2_id, facebook_places_id) or a GeoJSON FeatureCollection of Points."
        )

        @OptionGroup var storage: StorageOptions
        @Argument(help: "A .csv, .geojson or .json file.") var file: String
        @Flag(help: "No progress bar.") var quiet = false

        func run() async throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let parsed = file.lowercased().hasSuffix(".csv") ? try PlaceFile.csv(data) : try PlaceFile.geoJSON(data)
            try await withStorage(storage) { try await $0.locations.importAll(parsed.places, progress: quiet ? nil : ProgressBar()) }
            try printJSON(["imported": parsed.places.count, "skipped": parsed.skipped.count, "skipped_examples": Array(parsed.skipped.prefix(5))])
        }
    }
}

/// Reads places out of gazetteer files; rows without a name or with coordinates out of range are skipped and reported.
enum PlaceFile {
    typealias Parsed = (places: [LocationStore.NewLocation], skipped: [String])

    static func csv(_ data: Data) throws -> Parsed {
        let rows = CSV.rows(String(decoding: data, as: UTF8.self))
        guard let header = rows.first?.map({ $0.lowercased().trimmingCharacters(in: .whitespaces) }) else {
            throw ValidationError("the CSV file is empty")
        }
        func column(_ names: String...) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let name = column("name"), let latitude = column("latitude", "lat"), let longitude = column("longitude", "lng", "lon") else {
            throw ValidationError("the CSV header needs name, latitude (or lat) and longitude (or lng)")
        }
        let street = column("street_address", "address")
        let foursquare = column("foursquare_id")
        let foursquareV2 = column("foursquare_v2_id")
        let facebook = column("facebook_places_id")
        var result: Parsed = ([], [])
        for (number, row) in rows.dropFirst().enumerated() where !(row.count == 1 && row[0].isEmpty) {
            func field(_ index: Int?) -> String? {
                guard let index, index < row.count else { return nil }
                let value = row[index].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            guard
                let place = place(
                    name: field(name),
                    latitude: field(latitude).flatMap(Double.init),
                    longitude: field(longitude).flatMap(Double.init),
                    street: field(street),
                    foursquare: field(foursquare),
                    foursquareV2: field(foursquareV2),
                    facebook: field(facebook)
                )
            else {
                result.skipped.append("line \(number + 2)")
                continue
            }
            result.places.append(place)
        }
        return result
    }

    static func geoJSON(_ data: Data) throws -> Parsed {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let features = root["features"] as? [[String: Any]] else {
            throw ValidationError("the GeoJSON file needs a FeatureCollection with features")
        }
        var result: Parsed = ([], [])
        for (index, feature) in features.enumerated() {
            let geometry = feature["geometry"] as? [String: Any]
            let coordinates = geometry?["coordinates"] as? [Double]
            let properties = feature["properties"] as? [String: Any] ?? [:]
            func text(_ key: String) -> String? { (properties[key] as? String) ?? (properties[key] as? NSNumber)?.stringValue }
            guard geometry?["type"] as? String == "Point", let coordinates, coordinates.count >= 2,
                let place = place(
                    name: text("name"),
                    latitude: coordinates[1],
                    longitude: coordinates[0],
                    street: text("street_address"),
                    foursquare: text("foursquare_id"),
                    foursquareV2: text("foursquare_v2_id"),
                    facebook: text("facebook_places_id")
                )
            else {
                result.skipped.append("feature \(index)")
                continue
            }
            result.places.append(place)
        }
        return result
    }

    private static func place(
        name: String?,
        latitude: Double?,
        longitude: Double?,
        street: String?,
        foursquare: String?,
        foursquareV2: String?,
        facebook: String?
    ) -> LocationStore.NewLocation? {
        guard let name, !name.isEmpty, name.count <= 300, let latitude, let longitude,
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return LocationStore.NewLocation(
            name: name,
            point: GeoPoint(latitude: latitude, longitude: longitude),
            streetAddress: street ?? "",
            foursquareID: foursquare,
            foursquareV2ID: foursquareV2,
            facebookPlacesID: facebook
        )
    }
}

/// RFC 4180 CSV: fields separated by commas, quoted with double quotes, quotes doubled inside.
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.makeIterator()
        while let char = iterator.next() {
            if quoted {
                if char == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            handle(next)
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(char)
                }
            } else {
                handle(char)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows

        func handle(_ char: Character) {
            switch char {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                row.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            default: field.append(char)
            }
        }
    }
}
