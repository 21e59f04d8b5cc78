import Foundation
import NIOPosix
import ZIPFoundation

/// ZIPFoundation's archive, written on a thread of its own: it blocks on file I/O, which must never run on the event
/// loops that serve requests. One job uses one writer, one call at a time, so the unchecked `Sendable` is sound.
final class ZipWriter: @unchecked Sendable {
    private let archive: Archive
    private let path: String
    private let modified: Date
    private static let thread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    private init(archive: Archive, path: String, modified: Date) {
        self.archive = archive
        self.path = path
        self.modified = modified
    }

    static func create(_ path: String, modified: Date) async throws -> ZipWriter {
        try await thread.runIfActive {
            try? FileManager.default.removeItem(atPath: path)
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            // ZIPFoundation creates the file with the process's umask: it is made private before anything is in it
            // (and its folder is private from the start).
            try FileSystem.makePrivate(path)
            return ZipWriter(archive: archive, path: path, modified: modified)
        }
    }

    /// A document, compressed.
    func add(_ name: String, _ data: Data) async throws {
        try await Self.thread.runIfActive { [self] in
            try archive.addEntry(
                with: name,
                type: .file,
                uncompressedSize: Int64(data.count),
                modificationDate: modified,
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    /// A photo, stored as it is (JPEGs do not compress further).
    func addFile(_ name: String, at source: String) async throws {
        try await Self.thread.runIfActive { [self] in
            try archive.addEntry(with: name, fileURL: URL(fileURLWithPath: source), compressionMethod: .none)
        }
    }

    /// Flushes the archive to disk and moves it into place; answers its size.
    func finish(renamingTo final: String) async throws -> Int64 {
        try await Self.thread.runIfActive { [self] in
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.synchronize()
            let size = Int64(try handle.seekToEnd())
            try handle.close()
            try FileManager.default.moveItem(atPath: path, toPath: final)
            return size
        }
    }
}
