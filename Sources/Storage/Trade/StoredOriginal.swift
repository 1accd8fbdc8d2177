import CKuajingZlib
import Foundation
import KuajingDomain
import TradeData

/// A file's original bytes as the ledger keeps them (`message_blob`): written once, under the
/// SHA-256 of the original, compressed with zlib (RFC 1950, level 1: a CEB message of 100
/// inventories, 195 KB, becomes about 15 KB in under a millisecond, docs/benchmarks.md). Reading
/// gives back the original byte for byte, or an error when what is stored does not decompress to it
/// (size and SHA-256 are checked), never other bytes. Rows written before migration 12 are kept as
/// they came (`none`).
public struct StoredOriginal: Sendable, Equatable {
    public enum Compression: String, Sendable {
        case none, zlib
    }

    public let compression: Compression
    /// What the row holds.
    public let stored: [UInt8]
    /// The original's length in bytes.
    public let size: Int

    public init(compression: Compression, stored: [UInt8], size: Int) {
        self.compression = compression
        self.stored = stored
        self.size = size
    }

    /// zlib's fastest level: the originals are read back rarely (quarantine, audit, 三单对碰 over
    /// the stored ledger), and level 6 costs about twice the time for about a quarter fewer bytes.
    static let level: Int32 = 1

    /// `original` compressed; kept as it is in the rare case that compression does not make it smaller.
    public static func compressing(_ original: [UInt8]) -> StoredOriginal {
        guard !original.isEmpty else { return StoredOriginal(compression: .none, stored: [], size: 0) }
        var capacity = compressBound(uLong(original.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = original.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &capacity, source.baseAddress, uLong(source.count), level)
            }
        }
        guard status == Z_OK, Int(capacity) < original.count else {
            return StoredOriginal(compression: .none, stored: original, size: original.count)
        }
        out.removeSubrange(Int(capacity)...)
        return StoredOriginal(compression: .zlib, stored: out, size: original.count)
    }

    /// A row's columns (`bytes`, `compression`, `original_size`) as stored.
    init(row: SQLRow) throws {
        let name = try row.text("compression")
        guard let compression = Compression(rawValue: name) else {
            throw StorageError.decoding(column: "compression", expected: "none 或 zlib", found: name)
        }
        self.init(compression: compression, stored: try row.bytes("bytes"), size: Int(try row.int("original_size")))
    }

    /// The original bytes, checked against `digest` (the SHA-256 they are stored under).
    public func original(digest: String) throws -> [UInt8] {
        let bytes: [UInt8]
        switch compression {
        case .none:
            bytes = stored
        case .zlib:
            var length = uLong(size)
            var out = [UInt8](repeating: 0, count: size)
            let status = stored.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { target in
                    uncompress(target.baseAddress, &length, source.baseAddress, uLong(source.count))
                }
            }
            guard status == Z_OK, Int(length) == size else {
                throw StorageError.engine("原件 \(digest.prefix(12))… 无法解压（zlib 状态 \(status)，应为 \(size) 字节，得到 \(length) 字节）")
            }
            bytes = out
        }
        guard SHA256Hex.of(Data(bytes)) == digest else {
            throw StorageError.engine("原件 \(digest.prefix(12))… 与其 SHA-256 不符：存储内容已损坏")
        }
        return bytes
    }
}
