/// 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17.
public enum CreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The check character for the first 17 characters, nil if one is outside the code's alphabet.
    public static func checkCharacter(_ first17: String) -> Character? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for (i, c) in chars.enumerated() {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            sum += v * weights[i]
        }
        let check = (31 - sum % 31) % 31
        return alphabet[check]
    }

    public static func isValid(_ code: String) -> Bool {
        let chars = Array(code)
        guard chars.count == 18, let c = checkCharacter(String(chars[0..<17])) else { return false }
        return c == chars[17]
    }

    public static func character(_ index: Int) -> Character { alphabet[index % alphabet.count] }
}
