/// The three square v1 renditions of an ingested photo, encoded as JPEG without metadata.
public struct RenditionSet: Sendable {
    public var standard: [UInt8]
    public var low: [UInt8]
    public var thumbnail: [UInt8]
}
