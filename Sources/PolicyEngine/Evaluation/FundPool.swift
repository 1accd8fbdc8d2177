import KuajingDomain

/// A first-come-first-served fund shared by every applicant (杭州 附件（七）“运力券”资金池 3000万元):
/// claims draw on it in ledger order and it is never overspent; a claim that meets an exhausted
/// pool is capped at what is left, down to 0.
struct FundPool {
    let limit: Int64
    private(set) var drawn: Int64 = 0

    init(limit: Fen) { self.limit = limit.value }

    var remaining: Int64 { limit - drawn }

    mutating func draw(_ amount: Int64) {
        precondition(amount <= remaining, "pool overspent: the engine must cap before drawing")
        drawn += amount
    }
}
