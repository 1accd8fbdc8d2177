/// A group of leaf fields in a message (InventoryHead, one InventoryList line, a flat LogisticsStatus).
public struct CEBGroup: Sendable {
    public var name: String
    public var line: Int
    public var fields: [(name: String, value: String)]

    public func value(_ field: String) -> String? { fields.first { $0.name == field }?.value }
}

/// One business record of a CEB message: an order, a payment, an inventory with its lines, a waybill
/// status… with where it was read.
public struct CEBRecord: Sendable {
    /// The file, and `#Data` for the body of a DxpMsg envelope.
    public var source: String
    public var line: Int
    /// "CEB603".
    public var messageType: String
    public var messageGuid: String?
    /// The element under the message root: Inventory, Order, LogisticsStatus…
    public var name: String
    /// The head group, or the record itself when it has no groups.
    public var head: CEBGroup
    public var lists: [CEBGroup]
    /// Content address (SHA-256, hex) of the message file's bytes, kept for tracing and resubmission.
    public var messageDigest: String

    public func value(_ field: String) -> String? { head.value(field) }

    /// A record from an element under the message root, as both readers build it: its group named
    /// …Head is the head (else its own fields, else its first group); the other groups are its lists.
    static func assemble(name: String, line: Int, fields: [(name: String, value: String)], groups: [CEBGroup],
                         source: String, messageType: String, messageGuid: String?, digest: String) -> CEBRecord {
        var head = CEBGroup(name: name, line: line, fields: fields)
        var lists = groups
        if let h = lists.firstIndex(where: { $0.name.hasSuffix("Head") }) {
            head = lists.remove(at: h)
        } else if fields.isEmpty, !lists.isEmpty {
            head = lists.removeFirst()
        }
        return CEBRecord(source: source, line: line, messageType: messageType, messageGuid: messageGuid, name: name, head: head, lists: lists,
                         messageDigest: digest)
    }
}

/// One message (one file, or one DxpMsg body): its records and how many of each block it had.
public struct CEBMessage: Sendable {
    public var source: String
    public var type: String
    public var guid: String?
    public var digest: String
    public var records: [CEBRecord]
    /// Occurrences of each element directly under the root (Order: 6, BaseTransfer: 1…).
    public var blockCounts: [String: Int]
    /// The message's bytes as received (the decoded body for a DxpMsg), kept content-addressed.
    public var bytes: [UInt8]
}
