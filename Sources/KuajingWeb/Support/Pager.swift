import Foundation

/// The pager under a work list: how many there are, which page this is, and the links to the
/// pages before and after (absent at either end). Its template part is `pager.mustache`.
struct Pager: Sendable {
    var summary: String
    var previous: String?
    var next: String?
    var first: String?
    var last: String?

    init(total: Int64, page: Int, pageCount: Int, unit: String, link: (Int) -> String) {
        summary = "共 \(total) \(unit)，第 \(min(page, pageCount)) / \(pageCount) 页"
        previous = page > 1 ? link(min(page - 1, pageCount)) : nil
        next = page < pageCount ? link(page + 1) : nil
        first = page > 2 ? link(1) : nil
        last = page < pageCount - 1 ? link(pageCount) : nil
    }

    /// `?a=1&b=2` of the parameters, each percent-encoded; empty when there are none.
    static func queryString(_ parameters: [(String, String)]) -> String {
        parameters.isEmpty ? "" : "?" + parameters.map { Route.encode($0.0) + "=" + Route.encode($0.1) }.joined(separator: "&")
    }
}
