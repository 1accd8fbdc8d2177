import Foundation
import ZIPFoundation

/// Where one input file comes from: a file on disk, or an entry of a `.zip` archive. Archives are read
/// entry by entry, so only one message is in memory at a time.
public struct MessageSource: Sendable {
    public var name: String
    let archive: String?
    let entry: String?
    /// The limits this source is read under (those `expand` checked it against).
    public var limits: InputLimits

    public var isDeclarations: Bool { name.lowercased().hasSuffix(".csv") }

    /// The file's bytes, refused past its limit: a file by its size on disk, an archive entry as it
    /// is streamed out (a lying header gains nothing).
    public func load() throws -> Data {
        let limit = limits.maxBytes(for: name)
        guard let archive, let entry else {
            let size = (try? FileManager.default.attributesOfItem(atPath: name)[.size] as? Int64) ?? nil
            if let size, size > limit { throw limits.tooLarge(name, size: size) }
            guard let data = FileManager.default.contents(atPath: name) else { throw TradeDataError.input("无法读取 \(name)") }
            if Int64(data.count) > limit { throw limits.tooLarge(name, size: Int64(data.count)) }
            return data
        }
        let zip = try Archive(url: URL(fileURLWithPath: archive), accessMode: .read)
        guard let e = zip[entry] else { throw TradeDataError.input("压缩包 \(archive) 中没有 \(entry)") }
        var data = Data()
        do {
            _ = try zip.extract(e, consumer: { chunk in
                if Int64(data.count + chunk.count) > limit { throw EntryOverLimit() }
                data.append(chunk)
            })
        } catch is EntryOverLimit {
            throw limits.tooLarge(name, size: 0)
        }
        return data
    }

    static func wanted(_ path: String) -> Bool {
        let p = path.lowercased()
        return p.hasSuffix(".xml") || p.hasSuffix(".csv")
    }

    /// Files as they are; directories walked for messages, declarations and archives; archives
    /// opened for their messages and declarations. Sorted within each directory and archive.
    /// Every file and archive entry is checked against `limits` by its stated size here, before
    /// any is read: one over its limit refuses the whole input, naming the file and the limit.
    public static func expand(_ paths: [String], limits: InputLimits = .standard) throws -> [MessageSource] {
        var out: [MessageSource] = []
        func add(_ path: String) throws {
            if path.lowercased().hasSuffix(".zip") {
                let zip: Archive
                do { zip = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
                    throw TradeDataError.input("无法打开压缩包 \(path)：\(error)")
                }
                let entries = zip.filter { $0.type == .file && wanted($0.path) }
                var expanded: Int64 = 0
                for e in entries {
                    let name = "\(path)!\(e.path)"
                    let size = Int64(clamping: e.uncompressedSize), packed = max(Int64(clamping: e.compressedSize), 1)
                    if size > limits.maxBytes(for: e.path) { throw limits.tooLarge(name, size: size) }
                    if size / packed > limits.maxCompressionRatio {
                        throw TradeDataError.limit("\(name)：压缩比 \(size / packed):1 超过上限 \(limits.maxCompressionRatio):1（\(InputLimits.megabytes(packed)) 解压为 \(InputLimits.megabytes(size))），整个压缩包未读入")
                    }
                    expanded += size
                    if expanded > limits.maxArchiveExpandedBytes {
                        throw TradeDataError.limit("\(path)：解压后总大小超过上限 \(InputLimits.megabytes(limits.maxArchiveExpandedBytes))，整个压缩包未读入")
                    }
                }
                out += entries.map(\.path).sorted().map { MessageSource(name: "\(path)!\($0)", archive: path, entry: $0, limits: limits) }
            } else {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? nil
                if let size, size > limits.maxBytes(for: path) { throw limits.tooLarge(path, size: size) }
                out.append(MessageSource(name: path, archive: nil, entry: nil, limits: limits))
            }
        }
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw TradeDataError.input("找不到 \(p)") }
            if isDir.boolValue {
                let items = FileManager.default.enumerator(atPath: p)?.compactMap { $0 as? String } ?? []
                for item in items.sorted() where wanted(item) || item.lowercased().hasSuffix(".zip") { try add(p + "/" + item) }
            } else {
                try add(p)
            }
        }
        return out
    }
}
