import Crypto
import Foundation

/// The Ed25519 key that signs audit checkpoints. It lives in a file outside the database (mode
/// 0600), so that whoever can rewrite the database cannot also sign a rewritten chain; the public
/// key is printed on every payout file and checkpoint, and `kuajing audit verify --public-key`
/// checks against a copy the auditor keeps.
public struct AuditSigningKey: Sendable {
    /// The private key's raw 32 bytes (the Crypto type is not Sendable; it is rebuilt to sign).
    let raw: Data
    public let path: String
    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }

    static let header = "kuajing-audit-ed25519-v1"

    /// Reads the key at `path`, or creates it there when no file exists (never when one exists but is unreadable).
    public static func loadOrCreate(path: String) throws(AppError) -> AuditSigningKey {
        if FileManager.default.fileExists(atPath: path) { return try load(path: path) }
        let key = Curve25519.Signing.PrivateKey()
        let text = header + "\n" + key.rawRepresentation.base64EncodedString() + "\n"
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw AppError.unavailable(message: "无法创建审计签名密钥文件 \(path)")
            }
        } catch let e as AppError { throw e } catch { throw .unavailable(message: "无法创建审计签名密钥文件 \(path)：\(error.localizedDescription)") }
        return AuditSigningKey(raw: key.rawRepresentation, path: path)
    }

    public static func load(path: String) throws(AppError) -> AuditSigningKey {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unavailable(message: "无法读取审计签名密钥文件 \(path)")
        }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count >= 2, lines[0] == header, let raw = Data(base64Encoded: lines[1]), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw .unavailable(message: "审计签名密钥文件 \(path) 格式不对（应为 \(header) 与一行 base64）")
        }
        return AuditSigningKey(raw: key.rawRepresentation, path: path)
    }

    public var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }

    public func sign(_ message: String) throws -> String {
        try key.signature(for: Data(message.utf8)).base64EncodedString()
    }

    public static func verify(signature: String, message: String, publicKey: String) -> Bool {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let sig = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(sig, for: Data(message.utf8))
    }
}
