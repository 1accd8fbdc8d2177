import Foundation

/// What the program accepts from outside, stated and enforced before anything is stored: the size
/// of one CEB message, of one declarations extract, what an archive may expand to in all, and how
/// far one entry may expand over its compressed size. Over a limit the input is refused with the
/// limit named; an archive entry is streamed and abandoned at its limit, so memory stays bounded
/// by the largest file allowed, whatever the archive claims.
public struct InputLimits: Sendable, Equatable {
    /// One CEB message file (XML): 100 inventories are about 0.2 MB.
    public var maxMessageBytes: Int64
    /// One declarations extract (CSV): the demo world's 185,640 rows are 25 MB.
    public var maxExtractBytes: Int64
    /// Everything one archive expands to.
    public var maxArchiveExpandedBytes: Int64
    /// Uncompressed size over compressed size, per entry (XML compresses about 10:1; a bomb, 1000:1).
    public var maxCompressionRatio: Int64

    public init(maxMessageBytes: Int64 = 32 << 20, maxExtractBytes: Int64 = 1 << 30, maxArchiveExpandedBytes: Int64 = 4 << 30, maxCompressionRatio: Int64 = 100) {
        self.maxMessageBytes = maxMessageBytes
        self.maxExtractBytes = maxExtractBytes
        self.maxArchiveExpandedBytes = maxArchiveExpandedBytes
        self.maxCompressionRatio = maxCompressionRatio
    }

    public static let standard = InputLimits()

    /// The limit for one file of this name.
    func maxBytes(for name: String) -> Int64 { name.lowercased().hasSuffix(".csv") ? maxExtractBytes : maxMessageBytes }

    static func megabytes(_ n: Int64) -> String {
        if n >= 1 << 30 && n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
        if n >= 1 << 20 { return n % (1 << 20) == 0 ? "\(n >> 20) MiB" : "约 \((n + (1 << 19)) >> 20) MiB" }
        return "\(n) 字节"
    }

    func tooLarge(_ name: String, size: Int64) -> TradeDataError {
        let kind = name.lowercased().hasSuffix(".csv") ? "报关单数据文件" : "报文"
        return .limit("\(name)：超过单个\(kind)的大小上限 \(Self.megabytes(maxBytes(for: name)))（\(size > 0 ? "实为 \(Self.megabytes(size))" : "已读到上限")），未读入")
    }
}

/// An entry grew past its limit while it was being extracted.
struct EntryOverLimit: Error {}
