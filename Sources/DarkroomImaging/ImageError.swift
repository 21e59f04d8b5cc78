/// Why a photo was refused. The HTTP layer turns each into a 400 in the v1 format.
public enum ImageError: Error, Sendable, Equatable {
    /// Not one of `ImageFormat`'s formats by its first bytes (whatever the file name or Content-Type said).
    case unsupportedType
    /// Width × height over the limit, found from the header before any pixel is decoded.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// Truncated, corrupt, or otherwise not decodable.
    case undecodable
    /// libvips itself could not run; a server fault, not the photo's.
    case unavailable(String)

    public var message: String {
        switch self {
        case .unsupportedType: "the photo must be a JPEG, PNG, WebP, HEIC, AVIF, TIFF or GIF image"
        case .tooManyPixels(let width, let height, let limit):
            "image dimensions too large: \(width)x\(height) is over the limit of \(limit) pixels"
        case .undecodable: "the photo is truncated or corrupt and could not be decoded"
        case .unavailable(let reason): reason
        }
    }
}
