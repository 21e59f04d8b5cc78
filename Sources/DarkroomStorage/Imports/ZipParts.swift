import Foundation
import NIOPosix
import ZIPFoundation

/// Why an archive, or a file in it, cannot be used: in words for the person importing it.
public struct ArchiveFault: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One archive that may come as several zip files (Instagram splits a large download into parts): the central
/// directories are read once into an index by path, and a file's bytes are inflated into memory only when asked for,
/// one file at a time, so memory follows the largest file, never the archive. Nothing is ever written to disk under
/// an entry's name: a path that climbs out (`../x`), is absolute, or is a symbolic link is never a file here, so
/// "zip slip" has nothing to act on; an entry that inflates past its limit, or far past its compressed size (a zip
/// bomb), is refused as it is read.
public final class ZipParts: @unchecked Sendable {
    /// The most an entry may inflate to.
    public static let entryLimit: Int64 = 256 << 20
    /// The most an entry may inflate to per byte stored: photos barely compress, JSON and HTML by 5–20×.
    static let ratioLimit: UInt64 = 200

    private struct Located: @unchecked Sendable {
        var part: Int
        var entry: Entry
    }

    // ZIPFoundation's archives seek a shared file handle: one read at a time, under `lock` (hence the unchecked
    // `Sendable`; nothing else changes after `init`).
    private let archives: [Archive]
    private let lock = NSLock()
    private let index: [String: Located]
    private let refused: [String: String]

    /// Opens every part; throws when one is not a zip file.
    public init(paths: [String]) throws(ArchiveFault) {
        var archives: [Archive] = []
        var index: [String: Located] = [:]
        var refused: [String: String] = [:]
        for (part, path) in paths.enumerated() {
            let archive: Archive
            do {
                archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            } catch {
                throw ArchiveFault(paths.count == 1 ? "the file is not a zip archive" : "part \(part + 1) is not a zip archive")
            }
            for entry in archive {
                let name = entry.path
                if let reason = Self.unsafe(name) {
                    refused[name] = reason
                } else if entry.type == .symlink {
                    refused[name] = "it is a symbolic link"
                } else if entry.type == .file, index[name] == nil {
                    index[name] = Located(part: part, entry: entry)
                }
            }
            archives.append(archive)
        }
        self.archives = archives
        self.index = index
        self.refused = refused
    }

    /// Every file's path, in no particular order.
    public var paths: [String] { Array(index.keys) }

    public func contains(_ path: String) -> Bool { index[path] != nil }

    /// A file's bytes, checked against its CRC; throws with the reason it cannot be had.
    public func read(_ path: String, limit: Int64 = ZipParts.entryLimit) throws(ArchiveFault) -> [UInt8] {
        if let reason = Self.unsafe(path) ?? refused[path] { throw ArchiveFault("\(path) cannot be used: \(reason)") }
        guard let located = index[path] else { throw ArchiveFault("the archive has no file \(path)") }
        let entry = located.entry
        let declared = entry.uncompressedSize
        guard declared <= UInt64(limit) else { throw ArchiveFault("\(path) is larger than \(limit >> 20) MB") }
        guard declared <= max(entry.compressedSize, 1) * Self.ratioLimit else {
            throw ArchiveFault("\(path) is refused: it would inflate \(declared / max(entry.compressedSize, 1))-fold (a zip bomb?)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(declared))
        do {
            let checksum = try lock.withLock {
                try archives[located.part].extract(entry, skipCRC32: false) { chunk in
                    // The declared size is the archive's word only: what actually inflates is counted.
                    guard UInt64(bytes.count + chunk.count) <= declared else { throw ArchiveFault("\(path) inflates past its declared size") }
                    bytes.append(contentsOf: chunk)
                }
            }
            guard checksum == entry.checksum, UInt64(bytes.count) == declared else { throw ArchiveFault("\(path) is damaged") }
        } catch let fault as ArchiveFault {
            throw fault
        } catch {
            throw ArchiveFault("\(path) is damaged: \(error)")
        }
        return bytes
    }

    /// Why a path may not name a file of the archive, if it may not.
    static func unsafe(_ path: String) -> String? {
        if path.hasPrefix("/") || path.contains("\\") || path.contains("\0") { return "its path is absolute or malformed" }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." }) {
            return "its path leads out of the archive"
        }
        return nil
    }

    /// Reading blocks on file I/O: it runs on threads of its own, never on the event loops.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// `read`, on the reading threads.
    public func load(_ path: String, limit: Int64 = ZipParts.entryLimit) async throws -> [UInt8] {
        try await Self.pool.runIfActive { try self.read(path, limit: limit) }
    }

    /// Opens the parts on the reading threads.
    public static func open(_ paths: [String]) async throws -> ZipParts {
        try await pool.runIfActive { try ZipParts(paths: paths) }
    }
}
