import CQREncode

/// A QR code drawn as SVG, from libqrencode's module matrix: what the two-factor set-up page shows for an authenticator
/// app to scan, inline, so the page needs no image request and no script.
enum QRCode {
    /// The code for `text` (error correction M), its dark modules as one path, a quiet zone of four modules around.
    static func svg(_ text: String, pixelsPerModule: Int = 5) -> String? {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let quiet = 4
        let side = width + 2 * quiet
        var path = ""
        for y in 0..<width {
            for x in 0..<width where code.pointee.data[y * width + x] & 1 == 1 {
                path += "M\(x + quiet) \(y + quiet)h1v1h-1z"
            }
        }
        let size = side * pixelsPerModule
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(size)" height="\(size)" \
            shape-rendering="crispEdges" role="img" aria-label="QR code to scan with an authenticator app">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
