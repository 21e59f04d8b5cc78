/// The encoded formats accepted, told apart by magic bytes only (never by a file name or a Content-Type).
/// An animated GIF or WebP is taken as its first frame, a multi-page TIFF as its first page.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, heic, avif, tiff, gif

    public init(sniffing bytes: some Collection<UInt8>) throws(ImageError) {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if head.count == 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) {
            self = .webp
        } else if head.count == 12, head[4..<8].elementsEqual("ftyp".utf8) {
            // ISO base media: the major brand says which codec (HEIC from iPhones, AVIF); other brands are not photos.
            switch String(decoding: head[8..<12], as: UTF8.self) {
            case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1": self = .heic
            case "avif", "avis": self = .avif
            default: throw .unsupportedType
            }
        } else if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            self = .tiff
        } else if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) {
            self = .gif
        } else {
            throw .unsupportedType
        }
    }

    /// The file name extension an original in this format is stored and downloaded with.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .tiff: "tif"
        default: rawValue
        }
    }

    public var mediaType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .heic: "image/heic"
        case .avif: "image/avif"
        case .tiff: "image/tiff"
        case .gif: "image/gif"
        }
    }
}
