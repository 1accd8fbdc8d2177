import Monitoring
import Storage

// The storage value types that use cases take and return, named here so that a front end imports
// `KuajingApp` and never the storage module itself.
public typealias IngestCounts = Storage.IngestCounts
public typealias QuarantineEntry = Storage.QuarantineEntry
public typealias StatsBasis = Storage.StatsBasis
public typealias StatsRow = Storage.StatsRow
public typealias StatsDimension = Storage.TradeLedger.Dimension
public typealias IndicatorEntry = Storage.IndicatorEntry
public typealias TaskUpdate = Storage.TaskUpdate
public typealias TaskState = Storage.TaskState
public typealias AppliedMigration = Storage.AppliedMigration
public typealias RollupVerification = Storage.RollupVerification
public typealias PostgresTLSMode = Storage.PostgresTLSMode
public typealias StoreLocation = Storage.Store.Location
public typealias EnterpriseRow = Storage.EnterpriseRow
public typealias CreditFact = Storage.CreditFact
public typealias AccessLogEntry = Storage.AccessLogEntry
public typealias MonitorRow = Storage.TradeRollups.MonitorRow
public typealias MonitorDimension = Storage.TradeRollups.MonitorDimension
public typealias MonitorFilter = Storage.TradeRollups.MonitorFilter
public typealias VoucherRow = Storage.VoucherRow
public typealias VoucherPoolBalance = Storage.VoucherPoolBalance
public typealias ApplicationRow = Storage.ApplicationRow
public typealias ReviewRow = Storage.ReviewRow
public typealias EvidenceInfo = Storage.ApplicationBook.EvidenceInfo
public typealias ProposedFact = Storage.ApplicationBook.FactRow
public typealias BudgetRow = Storage.BudgetRow
public typealias PayeeAccountRow = Storage.PayeeAccountRow
public typealias PayoutLineRow = Storage.PayoutLineRow
public typealias PayoutBatchRow = Storage.PayoutBatchRow
public typealias AuditEntry = Storage.AuditEntry
public typealias AuditCheckpoint = Storage.AuditCheckpoint
/// 市级: the payer of a budget that is the city's own.
public let cityPayer = Storage.BudgetBook.cityPayer
public typealias RequestOrigin = Storage.RequestOrigin
public typealias ApplicationFilter = Storage.ApplicationFilter
public typealias VoucherRules = Storage.VoucherRules
public typealias VoucherBatchRow = Storage.VoucherBatchRow
public typealias ImportTaxRow = Storage.ImportTaxRow
public typealias BuyerQuotaSummary = Storage.BuyerQuotaSummary
public typealias ImportTaxDimension = Storage.ImportTaxLedger.Dimension
public typealias StoredImportAssessment = Storage.ImportTaxLedger.StoredAssessment
