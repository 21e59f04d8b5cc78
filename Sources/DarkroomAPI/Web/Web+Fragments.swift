import DarkroomStorage
import Hummingbird

extension Web {
    /// A grid of photos, with the link to older ones, as a fragment kept while its photos and counts are unchanged.
    func photoGrid(_ tiles: [MediaTile], older: Any, emptyText: String) -> RenderedHTML {
        fragment("grid", key: photoGridKey(tiles, older: older, emptyText: emptyText)) {
            ["tiles": PageModels(links: dependencies.links).grid(tiles), "older": older, "emptyText": emptyText]
        }
    }

    /// Everything a grid shows, for the key it is kept under (and the keys of fragments that hold it).
    func photoGridKey(_ tiles: [MediaTile], older: Any, emptyText: String) -> String {
        let links = dependencies.links
        var key = "\(older)|\(emptyText)"
        for tile in tiles {
            // A public photo's address follows from its key; a private one's is signed for the hour, so it goes in whole.
            let address = tile.renditions.isPrivate ? links.rendition(tile.renditions, "low") : tile.renditions.key
            key += "|\(tile.id.rawValue),\(tile.likeCount),\(tile.commentCount),\(address),\(tile.caption ?? "")"
        }
        return key
    }

    /// One of the pages' script files, from the templates' folder.
    func serveScript(_ path: RouterPath, _ script: [UInt8], on router: Router<AppRequestContext>) {
        let body = ByteBuffer(bytes: script)
        router.get(path) { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "application/javascript; charset=utf-8", .cacheControl: "public, max-age=3600", .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: body)
            )
        }
    }
}
