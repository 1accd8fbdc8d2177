import Foundation
import Testing
@testable import TradeData
import ZIPFoundation

/// Inputs over the stated limits are refused by name and limit, before anything is read into memory.
@Suite struct InputLimitTests {
    /// An archive of `entries`, each `size` bytes of one repeated byte (a bomb compresses about 1000:1).
    func archive(_ entries: [(String, Int)]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).zip").path
        let zip = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, size) in entries {
            try zip.addEntry(with: name, type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate) { position, chunk in
                Data(repeating: UInt8(ascii: " "), count: chunk)
            }
        }
        return path
    }

    @Test func aBombIsRefusedByItsCompressionRatio() throws {
        let path = try archive([("big.xml", 24 << 20)])
        let packed = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64)
        #expect(packed < 1 << 20)
        #expect {
            _ = try MessageSource.expand([path])
        } throws: { error in
            guard case let .limit(message) = error as? TradeDataError else { return false }
            return message.contains("big.xml") && message.contains("压缩比") && message.contains("100:1")
        }
    }

    @Test func aFileOverItsSizeIsRefusedWithTheLimit() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../reference/customs-samples/CEB603Message.gacc2018.xml").standardized.path
        let limits = InputLimits(maxMessageBytes: 1000)
        #expect(throws: TradeDataError.self) { _ = try MessageSource.expand([sample], limits: limits) }
        do { _ = try MessageSource.expand([sample], limits: limits) } catch {
            #expect(String(describing: error).contains("超过单个报文的大小上限 1000 字节"))
        }
        #expect(try MessageSource.expand([sample]).count == 1)
    }

    @Test func anArchiveOverItsTotalIsRefused() throws {
        let path = try archive([("a.xml", 600_000), ("b.xml", 600_000)])
        let limits = InputLimits(maxArchiveExpandedBytes: 1_000_000, maxCompressionRatio: 1_000_000)
        #expect {
            _ = try MessageSource.expand([path], limits: limits)
        } throws: { error in
            guard case let .limit(message) = error as? TradeDataError else { return false }
            return message.contains("解压后总大小超过上限")
        }
    }

    /// An entry is streamed out and abandoned at its limit, whatever its header said.
    @Test func extractionStopsAtTheLimit() throws {
        let path = try archive([("m.xml", 200_000)])
        var source = try #require(try MessageSource.expand([path], limits: InputLimits(maxCompressionRatio: 1_000_000)).first)
        #expect(try source.load().count == 200_000)
        source.limits.maxMessageBytes = 50_000
        #expect(throws: TradeDataError.self) { _ = try source.load() }
    }
}
