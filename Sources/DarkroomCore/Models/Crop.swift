/// How a photo is framed: its own shape (kept between 4:5 portrait and 1.91:1 landscape, as Instagram does) or a
/// square, placed around a focal point. The v1 `images` squares are cut around the same point whatever the shape.
public struct Crop: Sendable, Equatable {
    public enum Shape: String, Sendable, CaseIterable {
        case original, square
    }

    public var shape: Shape
    /// Where the photo's subject is, as fractions of its width and height from the top left (0.5, 0.5: the centre).
    public var focusX: Double
    public var focusY: Double

    /// Width over height: a photo narrower or wider than this range is cropped to its nearest end.
    public static let narrowest = 4.0 / 5.0
    public static let widest = 1.91

    public init(shape: Shape = .original, focusX: Double = 0.5, focusY: Double = 0.5) {
        self.shape = shape
        self.focusX = min(1, max(0, focusX))
        self.focusY = min(1, max(0, focusY))
    }

    /// The part of a `width` × `height` photo (upright) this crop keeps.
    public func region(width: Int, height: Int) -> PixelRect {
        var (regionWidth, regionHeight) = (width, height)
        switch shape {
        case .square:
            regionWidth = min(width, height)
            regionHeight = regionWidth
        case .original:
            let aspect = Double(width) / Double(max(1, height))
            if aspect > Self.widest {
                regionWidth = max(1, Int((Double(height) * Self.widest).rounded()))
            } else if aspect < Self.narrowest {
                regionHeight = max(1, Int((Double(width) / Self.narrowest).rounded()))
            }
        }
        return place(width: regionWidth, height: regionHeight, within: width, height)
    }

    /// The largest square of a `width` × `height` frame, placed around the focal point.
    public func square(width: Int, height: Int) -> PixelRect {
        let side = min(width, height)
        return place(width: side, height: side, within: width, height)
    }

    /// A `width` × `height` window whose centre is as near the focal point as the frame allows.
    private func place(width: Int, height: Int, within frameWidth: Int, _ frameHeight: Int) -> PixelRect {
        func start(_ size: Int, _ frame: Int, _ focus: Double) -> Int {
            min(frame - size, max(0, Int((focus * Double(frame) - Double(size) / 2).rounded())))
        }
        return PixelRect(
            x: start(width, frameWidth, focusX),
            y: start(height, frameHeight, focusY),
            width: width,
            height: height
        )
    }
}
