import DarkroomCore
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import NIOPosix

/// An archive sent through the import page's form, streamed to files as it arrives — it may be gigabytes, in several
/// parts — never held in memory. The form sends its CSRF value and choices before its files, as browsers send fields
/// in the page's order; nothing is written to disk before the CSRF value has been checked. Parsing is multipart-kit's.
struct ArchiveUpload {
    var fields: [String: String] = [:]
    /// The files written, each a part of the archive, in the order sent.
    var paths: [String] = []
    var bytes: Int64 = 0

    struct Refused: Error {
        var status: HTTPResponse.Status
        var message: String
    }

    /// Reads the body into `folder` (made here, private); on any refusal, whatever was written is removed.
    static func receive(
        _ request: Request,
        into folder: String,
        limit: Int64,
        csrfCookie: String?
    ) async throws -> ArchiveUpload {
        guard let type = request.headers[.contentType], let boundary = MultipartForm.boundary(ofContentType: type) else {
            throw Refused(status: .badRequest, message: "Choose your archive's zip file to upload.")
        }
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > limit {
            throw Refused(status: .contentTooLarge, message: "The archive is larger than this server takes (\(limit >> 30) GB).")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let receiver = Receiver(folder: folder, limit: limit, csrfCookie: csrfCookie)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in receiver.header(name, value) }
        parser.onBody = { buffer in receiver.body(&buffer) }
        parser.onPartComplete = { receiver.partComplete() }
        do {
            for try await buffer in request.body {
                try parser.execute(buffer)
                if let refusal = receiver.refusal { throw refusal }
                try await receiver.flush(force: false)
            }
            try await receiver.flush(force: true)
            if let refusal = receiver.refusal { throw refusal }
        } catch {
            receiver.closeFile()
            try? FileManager.default.removeItem(atPath: folder)
            if error is Refused { throw error }
            throw Refused(status: .badRequest, message: "The upload was cut short or malformed. Try again.")
        }
        var upload = ArchiveUpload()
        upload.fields = receiver.fields
        upload.paths = receiver.paths.filter { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int64 ?? 0) ?? 0 > 0 }
        upload.bytes = receiver.written
        guard !upload.paths.isEmpty else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Refused(status: .badRequest, message: "Choose your archive's zip file to upload.")
        }
        return upload
    }

    /// The parser's callbacks are synchronous: they gather bytes here, and `flush` writes them on a file thread.
    private final class Receiver {
        let folder: String
        let limit: Int64
        let csrfCookie: String?
        var fields: [String: String] = [:]
        var paths: [String] = []
        var written: Int64 = 0
        var refusal: Refused?
        private var partName: String?
        private var partIsFile = false
        private var fieldValue: [UInt8] = []
        /// Bytes gathered for each file, in order, with whether the file ends after them; written by `flush`.
        private var queue: [(file: FileHandle, bytes: ByteBuffer, ends: Bool)] = []
        private var queuedBytes = 0
        private var file: FileHandle?

        init(folder: String, limit: Int64, csrfCookie: String?) {
            self.folder = folder
            self.limit = limit
            self.csrfCookie = csrfCookie
        }

        func header(_ name: String, _ value: String) {
            guard name.lowercased() == "content-disposition" else { return }
            partName = Self.parameter("name", in: value)
            partIsFile = Self.parameter("filename", in: value) != nil
        }

        func body(_ buffer: inout ByteBuffer) {
            guard refusal == nil else { return }
            if !partIsFile {
                fieldValue += buffer.readableBytesView.prefix(max(0, 4096 - fieldValue.count))
                return
            }
            guard partName == "archive" else { return }
            if file == nil {
                guard let cookie = csrfCookie, let sent = fields["csrf_token"], !cookie.isEmpty, ConstantTime.equal(sent, cookie) else {
                    refusal = Refused(status: .forbidden, message: "This form has expired. Go back, reload the page and try again.")
                    return
                }
                let path = folder + "/part-\(paths.count + 1).zip"
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                    let handle = FileHandle(forWritingAtPath: path)
                else {
                    refusal = Refused(status: .internalServerError, message: "The archive could not be stored. Try again later.")
                    return
                }
                file = handle
                paths.append(path)
            }
            written += Int64(buffer.readableBytes)
            guard written <= limit, let file else {
                refusal = Refused(status: .contentTooLarge, message: "The archive is larger than this server takes (\(limit >> 30) GB).")
                return
            }
            queuedBytes += buffer.readableBytes
            if let last = queue.indices.last, queue[last].file === file, !queue[last].ends {
                queue[last].bytes.writeBuffer(&buffer)
            } else {
                queue.append((file, buffer, false))
            }
        }

        func partComplete() {
            if !partIsFile, let name = partName { fields[name] = String(decoding: fieldValue, as: UTF8.self) }
            if partIsFile, let file {
                queue.append((file, ByteBuffer(), true))
                self.file = nil
            }
            fieldValue = []
            partName = nil
        }

        /// Writes what has gathered (at 1 MiB, when a file ends, or everything with `force`) on a file thread, off the
        /// event loop.
        func flush(force: Bool) async throws {
            guard !queue.isEmpty, force || queuedBytes >= 1 << 20 || queue.contains(where: \.ends) else { return }
            let segments = queue
            queue = []
            queuedBytes = 0
            try await NIOThreadPool.singleton.runIfActive {
                for segment in segments {
                    if segment.bytes.readableBytes > 0 { try segment.file.write(contentsOf: segment.bytes.readableBytesView) }
                    if segment.ends {
                        try segment.file.synchronize()
                        try segment.file.close()
                    }
                }
            }
        }

        func closeFile() {
            try? file?.close()
            file = nil
        }

        /// A parameter of a `Content-Disposition` value (`form-data; name="archive"; filename="x.zip"`).
        static func parameter(_ name: String, in value: String) -> String? {
            for piece in value.split(separator: ";") {
                let pair = piece.trimmingCharacters(in: .whitespaces)
                guard pair.hasPrefix(name + "=") else { continue }
                return String(pair.dropFirst(name.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return nil
        }
    }
}
