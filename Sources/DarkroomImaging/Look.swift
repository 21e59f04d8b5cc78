/// A filter's recipe, in the terms a photo editor uses: per-channel tone (curves, contrast, tints, fades), then a
/// colour matrix (saturation, sepia), then a vignette. Tone steps are all pointwise, so they fold into one lookup
/// table per channel and cost the same however many there are.
struct Look: Sendable {
    /// 256 entries per channel: red, green, blue.
    private(set) var tables: [[Double]] = Array(repeating: (0..<256).map(Double.init), count: 3)
    /// Row-major 3×3, applied after the tables.
    private(set) var matrix: [Double] = Look.identity
    private(set) var vignette: Vignette?

    static let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]

    var isIdentity: Bool {
        matrix == Look.identity && vignette == nil && tables.allSatisfy { $0.enumerated().allSatisfy { Double($0.offset) == $0.element } }
    }

    /// Each channel's table, clamped to bytes.
    var lookupTable: [UInt8] {
        (0..<256).flatMap { index in tables.map { UInt8(max(0, min(255, $0[index].rounded()))) } }
    }

    // MARK: Tone steps (each maps a channel value 0…255 to a new one)

    enum Channel: CaseIterable { case red, green, blue }

    private mutating func map(_ channels: [Channel] = Channel.allCases, _ transform: (Channel, Double) -> Double) {
        for channel in channels {
            let index = Channel.allCases.firstIndex(of: channel)!
            tables[index] = tables[index].map { max(0, min(255, transform(channel, $0))) }
        }
    }

    /// A curve through control points (input, output), smooth and monotone between them.
    mutating func curve(_ points: [(Double, Double)]) { curve(Channel.allCases, points) }

    mutating func curve(_ channels: [Channel], _ points: [(Double, Double)]) {
        let curve = ToneCurve(points)
        map(channels) { _, value in curve.value(at: value) }
    }

    /// Stretches (k > 1) or flattens (k < 1) values about the middle grey.
    mutating func contrast(_ k: Double) { map { _, value in (value - 127.5) * k + 127.5 } }

    mutating func brightness(_ offset: Double) { map { _, value in value + offset } }

    mutating func exposure(_ factor: Double) { map { _, value in value * factor } }

    /// Lifts the blacks towards `amount` of white, leaving white where it is: the washed-out look.
    mutating func fade(_ amount: Double) { map { _, value in value + amount * (255 - value) * (255 - value) / 255 } }

    /// A colour laid over the photo at `opacity` (the "normal" blend mode).
    mutating func tint(_ colour: RGB, _ opacity: Double) {
        map { channel, value in value * (1 - opacity) + colour[channel] * opacity }
    }

    /// The "screen" blend mode: lightens, most in the shadows.
    mutating func screen(_ colour: RGB, _ opacity: Double) {
        map { channel, value in
            let screened = 255 - (255 - value) * (255 - colour[channel]) / 255
            return value * (1 - opacity) + screened * opacity
        }
    }

    /// The "multiply" blend mode: darkens towards the colour.
    mutating func multiply(_ colour: RGB, _ opacity: Double) {
        map { channel, value in value * (1 - opacity) + value * colour[channel] / 255 * opacity }
    }

    // MARK: Colour matrix steps

    private mutating func then(_ next: [Double]) {
        var product = [Double](repeating: 0, count: 9)
        for row in 0..<3 {
            for column in 0..<3 {
                product[row * 3 + column] = (0..<3).reduce(0) { $0 + next[row * 3 + $1] * matrix[$1 * 3 + column] }
            }
        }
        matrix = product
    }

    /// 0 is grey, 1 unchanged, above 1 more vivid (Rec. 709 weights).
    mutating func saturation(_ s: Double) {
        let (r, g, b) = (0.2126, 0.7152, 0.0722)
        then([
            r + (1 - r) * s, g - g * s, b - b * s,
            r - r * s, g + (1 - g) * s, b - b * s,
            r - r * s, g - g * s, b + (1 - b) * s,
        ])
    }

    /// The classic sepia matrix, mixed in at `amount`.
    mutating func sepia(_ amount: Double) {
        let sepia: [Double] = [0.393, 0.769, 0.189, 0.349, 0.686, 0.168, 0.272, 0.534, 0.131]
        then(zip(Look.identity, sepia).map { $0 * (1 - amount) + $1 * amount })
    }

    // MARK: Vignette

    /// Darkens towards the corners by `strength` (0…1), starting at `start` of the way from centre to corner;
    /// `centre` above 1 also brightens the middle.
    mutating func vignette(_ strength: Double, start: Double = 0.35, centre: Double = 1) {
        vignette = Vignette(strength: strength, start: start, centre: centre)
    }
}

/// Darkens towards the corners: `centre` at the middle, falling smoothly from `start` (a fraction of the way to a
/// corner, whatever the frame's shape) to `1 - strength` at the corners (`LookRenderer`).
struct Vignette: Sendable, Hashable {
    var strength: Double
    var start: Double
    var centre: Double
}

struct RGB: Sendable {
    var red: Double, green: Double, blue: Double

    init(_ red: Double, _ green: Double, _ blue: Double) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }

    subscript(channel: Look.Channel) -> Double {
        switch channel {
        case .red: red
        case .green: green
        case .blue: blue
        }
    }
}

/// A monotone cubic (Fritsch–Carlson) through control points: no overshoot, so a curve never inverts tones.
struct ToneCurve {
    private let xs: [Double]
    private let ys: [Double]
    private let slopes: [Double]

    init(_ points: [(Double, Double)]) {
        let sorted = points.sorted { $0.0 < $1.0 }
        xs = sorted.map(\.0)
        ys = sorted.map(\.1)
        let n = xs.count
        var secants = [Double](repeating: 0, count: max(n - 1, 0))
        for i in 0..<max(n - 1, 0) { secants[i] = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) }
        var m = [Double](repeating: 0, count: n)
        if n > 1 {
            m[0] = secants[0]
            m[n - 1] = secants[n - 2]
            for i in 1..<(n - 1) { m[i] = secants[i - 1] * secants[i] <= 0 ? 0 : (secants[i - 1] + secants[i]) / 2 }
            for i in 0..<(n - 1) where secants[i] == 0 {
                m[i] = 0
                m[i + 1] = 0
            }
            for i in 0..<(n - 1) where secants[i] != 0 {
                let a = m[i] / secants[i]
                let b = m[i + 1] / secants[i]
                let length = a * a + b * b
                if length > 9 {
                    let scale = 3 / length.squareRoot()
                    m[i] = scale * a * secants[i]
                    m[i + 1] = scale * b * secants[i]
                }
            }
        }
        slopes = m
    }

    func value(at x: Double) -> Double {
        guard let first = xs.first, let last = xs.last else { return x }
        if x <= first { return ys[0] }
        if x >= last { return ys[ys.count - 1] }
        var i = 0
        while xs[i + 1] < x { i += 1 }
        let h = xs[i + 1] - xs[i]
        let t = (x - xs[i]) / h
        let t2 = t * t
        let t3 = t2 * t
        return (2 * t3 - 3 * t2 + 1) * ys[i] + (t3 - 2 * t2 + t) * h * slopes[i]
            + (-2 * t3 + 3 * t2) * ys[i + 1] + (t3 - t2) * h * slopes[i + 1]
    }
}
