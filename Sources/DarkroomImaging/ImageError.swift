/// Why a photo was refused. The HTTP layer turns each into a 400 in the v1 format.
public enum ImageError: Error, Sendable, Equatable {
    /// Not JPEG, PNG or WebP by its first bytes (whatever the file name or Content-Type said).
    case unsupportedType
    /// Width × height over the limit, found from the header before any pixel is decoded.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// Truncated, corrupt, or otherwise not decodable.
    case undecodable
    /// libvips itself could not run; a server fault, not the photo's.
    case unavailable(String)

    public var message: String {
        switch self {
        case .unsupportedType: "the photo must be a JPEG, PNG or WebP image"
        case .tooManyPixels(let width, let height, let limit):
            "image dimensions too large: \(width)x\(height) is over the limit of \(limit) pixels"
        case .undecodable: "the photo is truncated or corrupt and could not be decoded"
        case .unavailable(let reason): reason
        }
    }
}

/// The encoded formats accepted, told apart by magic bytes only.
public enum ImageFormat: String, Sendable {
    case jpeg, png, webp

    public init(sniffing bytes: some Collection<UInt8>) throws(ImageError) {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if head.count == 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) {
            self = .webp
        } else {
            throw .unsupportedType
        }
    }
}
