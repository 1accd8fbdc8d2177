import Crypto
import Foundation
import HummingbirdBcrypt

/// Passwords as NIST SP 800-63B (5.1.1.2) asks of memorized secrets: at least 12 and at most 128
/// characters, counted after Unicode normalisation (NFC, so that one "é" typed two ways is one
/// character and one password); not only spaces; not one of the commonly used passwords below.
/// The same limits apply when a user is made and when one signs in (a password that could never
/// have been set is refused without a bcrypt).
///
/// bcrypt reads at most 72 bytes, so two long passwords with the same first 72 bytes would both
/// open an account. New hashes are therefore taken of the password's SHA-256 in base64 (44 bytes,
/// every byte of the password counted), stored with the prefix `sha256$`; a hash without the
/// prefix (made before this rule) is still checked as it was made.
public enum PasswordPolicy {
    public static let minimumCharacters = 12
    public static let maximumCharacters = 128
    static let prehashPrefix = "sha256$"

    /// Commonly used passwords of 12 characters or more (lower-cased), as breach corpora list them
    /// at the top; together with the rules below (one character repeated, a run of the keyboard or
    /// of digits).
    static let common: Set<String> = [
        "123456789012", "1234567890123", "12345678901234", "123456789123", "1234567890qwerty", "qwertyuiop123", "qwertyuiopasdf",
        "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "passwordpassword", "password1234", "password12345", "password123456", "password@123",
        "iloveyou1234", "administrator", "administrator1", "admin1234567", "admin123456789", "welcome12345", "letmein12345", "abcdefghijkl",
        "abc123456789", "woaini1314520", "woaini123456", "aaaaaaaaaaaa", "111111111111", "000000000000", "123123123123", "asdfghjkl123",
        "zxcvbnm123456", "p@ssw0rd1234", "passw0rd1234", "changeme1234", "kuajing12345", "kuajing123456",
    ]

    /// Nil when acceptable; otherwise why not, in Chinese.
    public static func problem(_ password: String) -> String? {
        let text = password.precomposedStringWithCanonicalMapping
        if text.count < minimumCharacters { return "密码至少 \(minimumCharacters) 个字符（实为 \(text.count) 个）" }
        if text.count > maximumCharacters { return "密码至多 \(maximumCharacters) 个字符（实为 \(text.count) 个）" }
        if text.allSatisfy(\.isWhitespace) { return "密码不能全是空格" }
        let lower = text.lowercased()
        if common.contains(lower) || Set(lower).count == 1 || isRun(lower) { return "这是常见或容易猜到的密码，请换一个（可用几个词组成的短语）" }
        return nil
    }

    /// A run like "123456789012" or "abcdefghijklm": each character one after the one before.
    static func isRun(_ s: String) -> Bool {
        let scalars = s.unicodeScalars.map(\.value)
        guard scalars.count > 1 else { return false }
        let steps = zip(scalars.dropFirst(), scalars).map { Int64($0) - Int64($1) }
        return steps.allSatisfy { $0 == 1 || $0 == -9 } || steps.allSatisfy { $0 == -1 }
    }

    /// What bcrypt is given: the SHA-256 of the normalised password, base64.
    static func prehashed(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.precomposedStringWithCanonicalMapping.utf8))).base64EncodedString()
    }

    /// A new stored hash.
    static func hash(_ password: String, cost: UInt8) -> String {
        prehashPrefix + Bcrypt.hash(prehashed(password), cost: cost)
    }

    /// Whether a password opens a stored hash (either form).
    static func verify(_ password: String, hash stored: String) -> Bool {
        if stored.hasPrefix(prehashPrefix) { return Bcrypt.verify(prehashed(password), hash: String(stored.dropFirst(prehashPrefix.count))) }
        return Bcrypt.verify(password, hash: stored)
    }
}
