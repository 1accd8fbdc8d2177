/// 公民身份号码 (GB 11643-1999): 6 digits of address code, 8 of birth date (YYYYMMDD), 3 of sequence,
/// and a check character (0–9 or X) over the first 17.
public enum IdentityNumber {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks = Array("10X98765432")

    public static func checkCharacter(_ first17: String) -> Character? {
        let digits = first17.compactMap { $0.wholeNumberValue }
        guard first17.count == 17, digits.count == 17 else { return nil }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checks[sum % 11]
    }

    /// The check character matches and the birth date is a real day.
    public static func isValid(_ id: String) -> Bool {
        let chars = Array(id)
        guard chars.count == 18, let c = checkCharacter(String(chars[0..<17])) else { return false }
        let year = String(chars[6..<10]), month = String(chars[10..<12]), day = String(chars[12..<14])
        let birth: String = year + "-" + month + "-" + day
        guard Day.parse(birth) != nil else { return false }
        return c == (chars[17] == "x" ? "X" : chars[17])
    }
}
