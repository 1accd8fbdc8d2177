import Monitoring
import TradeStore

// The storage value types that use cases take and return, named here so that a front end imports
// `KuajingApp` and never the storage module itself.
public typealias IngestCounts = TradeStore.IngestCounts
public typealias QuarantineEntry = TradeStore.QuarantineEntry
public typealias StatsBasis = TradeStore.StatsBasis
public typealias StatsRow = TradeStore.StatsRow
public typealias StatsDimension = TradeStore.TradeLedger.Dimension
public typealias IndicatorEntry = TradeStore.IndicatorEntry
public typealias TaskUpdate = TradeStore.TaskUpdate
public typealias TaskState = TradeStore.TaskState
public typealias AppliedMigration = TradeStore.AppliedMigration
public typealias RollupVerification = TradeStore.RollupVerification
public typealias PostgresTLSMode = TradeStore.PostgresTLSMode
public typealias StoreLocation = TradeStore.Store.Location
public typealias EnterpriseRow = TradeStore.EnterpriseRow
public typealias CreditFact = TradeStore.CreditFact
public typealias AccessLogEntry = TradeStore.AccessLogEntry
public typealias MonitorRow = TradeStore.TradeRollups.MonitorRow
public typealias MonitorDimension = TradeStore.TradeRollups.MonitorDimension
public typealias MonitorFilter = TradeStore.TradeRollups.MonitorFilter
public typealias VoucherRow = TradeStore.VoucherRow
public typealias VoucherPoolBalance = TradeStore.VoucherPoolBalance
public typealias ApplicationRow = TradeStore.ApplicationRow
public typealias ReviewRow = TradeStore.ReviewRow
public typealias EvidenceInfo = TradeStore.ApplicationBook.EvidenceInfo
public typealias ProposedFact = TradeStore.ApplicationBook.FactRow
public typealias BudgetRow = TradeStore.BudgetRow
public typealias PayeeAccountRow = TradeStore.PayeeAccountRow
public typealias PayoutLineRow = TradeStore.PayoutLineRow
public typealias PayoutBatchRow = TradeStore.PayoutBatchRow
public typealias AuditEntry = TradeStore.AuditEntry
public typealias AuditCheckpoint = TradeStore.AuditCheckpoint
/// 市级: the payer of a budget that is the city's own.
public let cityPayer = TradeStore.BudgetBook.cityPayer
public typealias RequestOrigin = TradeStore.RequestOrigin
