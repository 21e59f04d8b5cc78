/// A named filter of the 2013 app. Its look is built from curves, tints, a colour matrix and a vignette so that
/// each keeps the character people knew it by: warm or cool, faded or punchy, vivid, muted or grey, framed or not.
public struct Filter: Sendable, Hashable {
    public let name: String
    let look: Look

    public static func == (lhs: Filter, rhs: Filter) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    private init(_ name: String, _ build: (inout Look) -> Void) {
        var look = Look()
        build(&look)
        self.name = name
        self.look = look
    }

    public static let normal = Filter("Normal") { _ in }

    /// Every filter, in the order the 2013 app listed them.
    public static let all: [Filter] = [
        normal,
        Filter("Amaro") { look in
            look.fade(0.10)
            look.exposure(1.12)
            look.curve([.blue], [(0, 18), (128, 140), (255, 255)])
            look.saturation(1.3)
            look.vignette(0.18, start: 0.45, centre: 1.04)
        },
        Filter("Mayfair") { look in
            look.screen(RGB(255, 185, 215), 0.25)
            look.contrast(1.1)
            look.saturation(1.1)
            look.vignette(0.35, start: 0.3, centre: 1.08)
        },
        Filter("Rise") { look in
            look.screen(RGB(255, 195, 100), 0.32)
            look.contrast(0.88)
            look.brightness(6)
            look.saturation(0.85)
            look.vignette(0.1, start: 0.5)
        },
        Filter("Hudson") { look in
            look.curve([.red], [(0, 0), (128, 112), (255, 235)])
            look.curve([.blue], [(0, 30), (128, 150), (255, 255)])
            look.contrast(1.2)
            look.saturation(1.1)
            look.vignette(0.3, start: 0.4)
        },
        Filter("Valencia") { look in
            look.fade(0.08)
            look.contrast(0.9)
            look.screen(RGB(255, 200, 170), 0.16)
            look.sepia(0.08)
            look.saturation(1.2)
        },
        Filter("X-Pro II") { look in
            look.curve([.red], [(0, 0), (64, 42), (128, 138), (192, 220), (255, 255)])
            look.curve([.green], [(0, 0), (64, 50), (128, 135), (192, 210), (255, 255)])
            look.curve([.blue], [(0, 35), (128, 118), (255, 185)])
            look.contrast(1.15)
            look.saturation(1.3)
            look.vignette(0.6, start: 0.25)
        },
        Filter("Sierra") { look in
            look.fade(0.2)
            look.contrast(0.8)
            look.tint(RGB(255, 220, 180), 0.1)
            look.saturation(0.85)
            look.vignette(0.3, start: 0.35)
        },
        Filter("Willow") { look in
            look.fade(0.06)
            look.contrast(0.9)
            look.saturation(0.06)
            look.tint(RGB(212, 169, 195), 0.12)
            look.brightness(4)
        },
        Filter("Lo-fi") { look in
            look.curve([(0, 0), (64, 36), (128, 128), (192, 222), (255, 255)])
            look.contrast(1.2)
            look.saturation(1.55)
            look.vignette(0.35, start: 0.35)
        },
        Filter("Earlybird") { look in
            look.fade(0.1)
            look.contrast(0.9)
            look.sepia(0.35)
            look.tint(RGB(255, 210, 150), 0.15)
            look.vignette(0.5, start: 0.3)
        },
        Filter("Sutro") { look in
            look.exposure(0.88)
            look.contrast(1.1)
            look.multiply(RGB(235, 200, 225), 0.6)
            look.saturation(0.6)
            look.vignette(0.7, start: 0.2)
        },
        Filter("Toaster") { look in
            look.screen(RGB(255, 140, 60), 0.25)
            look.curve([.blue], [(0, 0), (255, 215)])
            look.contrast(1.2)
            look.vignette(0.6, start: 0.25, centre: 1.1)
        },
        Filter("Brannan") { look in
            look.fade(0.05)
            look.contrast(1.3)
            look.multiply(RGB(240, 255, 190), 0.6)
            look.saturation(0.7)
        },
        Filter("Inkwell") { look in
            look.saturation(0)
            look.curve([(0, 0), (64, 52), (192, 206), (255, 255)])
        },
        Filter("Walden") { look in
            look.exposure(1.1)
            look.screen(RGB(255, 240, 150), 0.25)
            look.curve([.blue], [(0, 60), (255, 255)])
            look.saturation(0.85)
            look.vignette(0.15, start: 0.45)
        },
        Filter("Hefe") { look in
            look.contrast(1.3)
            look.tint(RGB(255, 170, 80), 0.2)
            look.saturation(1.35)
            look.vignette(0.4, start: 0.35)
        },
        Filter("Nashville") { look in
            look.screen(RGB(255, 150, 200), 0.18)
            look.curve([.blue], [(0, 40), (255, 255)])
            look.contrast(0.85)
            look.brightness(10)
            look.saturation(1.1)
        },
        Filter("1977") { look in
            look.screen(RGB(243, 106, 188), 0.25)
            look.fade(0.05)
            look.contrast(1.1)
            look.saturation(1.3)
            look.brightness(8)
        },
        Filter("Kelvin") { look in
            look.curve([.red], [(0, 40), (128, 200), (255, 255)])
            look.curve([.blue], [(0, 0), (255, 170)])
            look.saturation(1.4)
        },
    ]

    private static let byName: [String: Filter] = {
        var names: [String: Filter] = [:]
        for filter in all { names[filter.name.lowercased()] = filter }
        // Spellings the record shows for the same filters.
        names["lomo-fi"] = names["lo-fi"]
        names["xpro2"] = names["x-pro ii"]
        names["lord kelvin"] = names["kelvin"]
        return names
    }()

    /// The filter with this name, in any letter case; nil when there is none.
    public static func named(_ name: String) -> Filter? { byName[name.lowercased()] }
}

extension Filter: CustomStringConvertible {
    public var description: String { name }
}
