import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Hummingbird
import NIOPosix

/// A private file sent as a download (a person's data archive, a photo's original): streamed in chunks read off the
/// event loops, kept by no cache, never sniffed as another type.
enum FileDownload {
    static func response(_ handle: FileHandle, size: Int64, contentType: String, fileName: String) -> Response {
        let body = ResponseBody(contentLength: Int(size)) { writer in
            defer { try? handle.close() }
            while let chunk = try await next(handle), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: contentType, .contentDisposition: "attachment; filename=\"\(fileName)\"", .cacheControl: "private, no-store",
                .xContentTypeOptions: "nosniff",
            ],
            body: body
        )
    }

    /// A photo's (or a video's) original for its owner (`MediaPolicy.downloadOriginal`), named for the post and the photo's place in
    /// it, typed by its format; nil when the photo has none.
    static func original(of media: MediaID, position: Int, actor: UserID, in storage: Storage) async throws -> Response? {
        guard let key = try await storage.media.original(of: media, position: position, actor: actor),
            let file = storage.originals.path(key).flatMap(open)
        else { return nil }
        let fileExtension = String(key.split(separator: ".").last ?? "")
        let videoTypes = ["mp4": "video/mp4", "mov": "video/quicktime"]
        let type =
            ImageFormat.allCases.first { $0.fileExtension == fileExtension }?.mediaType ?? videoTypes[fileExtension] ?? "application/octet-stream"
        let name = "darkroom-\(Shortcode.encode(media))-\(position + 1).\(fileExtension)"
        return response(file.handle, size: file.size, contentType: type, fileName: name)
    }

    /// Opens a file for `response`; nil when it is not there.
    static func open(_ path: String) -> (handle: FileHandle, size: Int64)? {
        guard let handle = FileHandle(forReadingAtPath: path), let size = try? handle.seekToEnd() else { return nil }
        do {
            try handle.seek(toOffset: 0)
        } catch {
            try? handle.close()
            return nil
        }
        return (handle, Int64(size))
    }

    private static func next(_ handle: FileHandle) async throws -> Data? {
        try await NIOThreadPool.singleton.runIfActive { try handle.read(upToCount: 256 * 1024) }
    }
}
