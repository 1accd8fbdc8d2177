import Crypto
import Foundation

/// SHA-256 as lowercase hex: the digest of an original message, an evidence file, a payout file,
/// an audit entry and the stored form of a session or API token. One function for all of them,
/// so that an auditor recomputing any of these with `sha256sum` gets the same text.
public enum SHA256Hex {
    public static func of(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lowercase hex of bytes, two digits each.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func of(_ text: String) -> String { of(Data(text.utf8)) }
}

extension SHA256Hex {
    /// HMAC-SHA256 of `text` under `key`, as lowercase hex: how the ledger names a buyer (订购人)
    /// without keeping the ID number in clear outside its original message.
    public static func hmac(key: String, _ text: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(key.utf8))))
    }
}
