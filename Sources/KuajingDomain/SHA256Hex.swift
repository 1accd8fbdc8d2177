import Crypto
import Foundation

/// SHA-256 as lowercase hex: the digest of an original message, an evidence file, a payout file,
/// an audit entry and the stored form of a session or API token. One function for all of them,
/// so that an auditor recomputing any of these with `sha256sum` gets the same text.
public enum SHA256Hex {
    public static func of(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public static func of(_ text: String) -> String { of(Data(text.utf8)) }
}

extension SHA256Hex {
    /// HMAC-SHA256 of `text` under `key`, as lowercase hex: how the ledger names a buyer (订购人)
    /// without keeping the ID number in clear outside its original message.
    public static func hmac(key: String, _ text: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
