import Foundation
import ZIPFoundation

/// Where one input file comes from: a file on disk, or an entry of a `.zip` archive. Archives are read
/// entry by entry, so only one message is in memory at a time.
public struct MessageSource: Sendable {
    public var name: String
    let archive: String?
    let entry: String?

    public var isDeclarations: Bool { name.lowercased().hasSuffix(".csv") }

    public func load() throws -> Data {
        guard let archive, let entry else {
            guard let data = FileManager.default.contents(atPath: name) else { throw TradeDataError.input("无法读取 \(name)") }
            return data
        }
        let zip = try Archive(url: URL(fileURLWithPath: archive), accessMode: .read)
        guard let e = zip[entry] else { throw TradeDataError.input("压缩包 \(archive) 中没有 \(entry)") }
        var data = Data()
        _ = try zip.extract(e, consumer: { data.append($0) })
        return data
    }

    static func wanted(_ path: String) -> Bool {
        let p = path.lowercased()
        return p.hasSuffix(".xml") || p.hasSuffix(".csv")
    }

    /// Files as they are; directories walked for messages, declarations and archives; archives
    /// opened for their messages and declarations. Sorted within each directory and archive.
    public static func expand(_ paths: [String]) throws -> [MessageSource] {
        var out: [MessageSource] = []
        func add(_ path: String) throws {
            if path.lowercased().hasSuffix(".zip") {
                let zip: Archive
                do { zip = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
                    throw TradeDataError.input("无法打开压缩包 \(path)：\(error)")
                }
                out += zip.filter { $0.type == .file && wanted($0.path) }.map(\.path).sorted()
                    .map { MessageSource(name: "\(path)!\($0)", archive: path, entry: $0) }
            } else {
                out.append(MessageSource(name: path, archive: nil, entry: nil))
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
