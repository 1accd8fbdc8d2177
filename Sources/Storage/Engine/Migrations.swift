/// The ledger's schema as numbered, append-only migrations, one text per engine. A landed migration
/// is never edited: a change is a new number.
struct Migration {
    let version: Int
    let name: String
    let sqlite: [String]
    let postgres: [String]
}

enum Migrations {
    static let all: [Migration] = [
        Migration(
            version: 1, name: "messages, records, inventories, quarantine",
            sqlite: [
                """
                CREATE TABLE message_blob (
                    digest TEXT PRIMARY KEY CHECK (length(digest) = 64),
                    source TEXT NOT NULL,
                    message_type TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    received_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE record (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_type TEXT NOT NULL,
                    record_name TEXT NOT NULL,
                    natural_key TEXT NOT NULL,
                    guid TEXT,
                    digest TEXT NOT NULL REFERENCES message_blob(digest),
                    line INTEGER NOT NULL,
                    fields TEXT NOT NULL,
                    UNIQUE (message_type, natural_key))
                """,
                """
                CREATE TABLE inventory (
                    cop_no TEXT NOT NULL,
                    ebc_code TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    supervision_code TEXT NOT NULL,
                    enterprise_name TEXT,
                    customs_code TEXT,
                    country TEXT,
                    declared_on TEXT NOT NULL,
                    currency TEXT,
                    value_original TEXT NOT NULL,
                    value_fen INTEGER,
                    invt_no TEXT,
                    order_no TEXT,
                    logistics_no TEXT,
                    customs_status INTEGER,
                    customs_status_time TEXT,
                    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
                    record_id INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,
                    PRIMARY KEY (cop_no, ebc_code))
                """,
                "CREATE INDEX inventory_invt_no ON inventory(invt_no)",
                """
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    digest TEXT NOT NULL REFERENCES message_blob(digest),
                    source TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    message_type TEXT NOT NULL,
                    record_name TEXT NOT NULL,
                    record_key TEXT NOT NULL,
                    reasons TEXT NOT NULL,
                    findings TEXT NOT NULL,
                    quarantined_at TEXT NOT NULL,
                    resolved_at TEXT)
                """,
            ],
            postgres: [
                """
                CREATE TABLE message_blob (
                    digest TEXT PRIMARY KEY CHECK (length(digest) = 64),
                    source TEXT NOT NULL,
                    message_type TEXT NOT NULL,
                    bytes BYTEA NOT NULL,
                    received_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE record (
                    id BIGSERIAL PRIMARY KEY,
                    message_type TEXT NOT NULL,
                    record_name TEXT NOT NULL,
                    natural_key TEXT NOT NULL,
                    guid TEXT,
                    digest TEXT NOT NULL REFERENCES message_blob(digest),
                    line INTEGER NOT NULL,
                    fields TEXT NOT NULL,
                    UNIQUE (message_type, natural_key))
                """,
                """
                CREATE TABLE inventory (
                    cop_no TEXT NOT NULL,
                    ebc_code TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    supervision_code TEXT NOT NULL,
                    enterprise_name TEXT,
                    customs_code TEXT,
                    country TEXT,
                    declared_on TEXT NOT NULL,
                    currency TEXT,
                    value_original TEXT NOT NULL,
                    value_fen BIGINT,
                    invt_no TEXT,
                    order_no TEXT,
                    logistics_no TEXT,
                    customs_status INTEGER,
                    customs_status_time TEXT,
                    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
                    record_id BIGINT NOT NULL REFERENCES record(id) ON DELETE CASCADE,
                    PRIMARY KEY (cop_no, ebc_code))
                """,
                "CREATE INDEX inventory_invt_no ON inventory(invt_no)",
                """
                CREATE TABLE quarantine (
                    id BIGSERIAL PRIMARY KEY,
                    digest TEXT NOT NULL REFERENCES message_blob(digest),
                    source TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    message_type TEXT NOT NULL,
                    record_name TEXT NOT NULL,
                    record_key TEXT NOT NULL,
                    reasons TEXT NOT NULL,
                    findings TEXT NOT NULL,
                    quarantined_at TEXT NOT NULL,
                    resolved_at TEXT)
                """,
            ]),
        Migration(
            version: 2, name: "declarations (报关单) extract for B2B and bonded trade",
            sqlite: [
                """
                CREATE TABLE declaration (
                    declaration_no TEXT PRIMARY KEY,
                    declared_on TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    supervision_code TEXT NOT NULL,
                    enterprise_id TEXT NOT NULL,
                    enterprise_name TEXT NOT NULL,
                    district TEXT,
                    customs_code TEXT NOT NULL,
                    country TEXT NOT NULL,
                    hs_code TEXT NOT NULL,
                    value_fen INTEGER NOT NULL CHECK (value_fen >= 0),
                    currency TEXT NOT NULL,
                    value_original TEXT NOT NULL,
                    status TEXT NOT NULL,
                    digest TEXT NOT NULL REFERENCES message_blob(digest),
                    line INTEGER NOT NULL)
                """,
                "CREATE INDEX declaration_declared_on ON declaration(declared_on)",
            ],
            postgres: [
                """
                CREATE TABLE declaration (
                    declaration_no TEXT PRIMARY KEY,
                    declared_on TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    supervision_code TEXT NOT NULL,
                    enterprise_id TEXT NOT NULL,
                    enterprise_name TEXT NOT NULL,
                    district TEXT,
                    customs_code TEXT NOT NULL,
                    country TEXT NOT NULL,
                    hs_code TEXT NOT NULL,
                    value_fen BIGINT NOT NULL CHECK (value_fen >= 0),
                    currency TEXT NOT NULL,
                    value_original TEXT NOT NULL,
                    status TEXT NOT NULL,
                    digest TEXT NOT NULL REFERENCES message_blob(digest),
                    line INTEGER NOT NULL)
                """,
                "CREATE INDEX declaration_declared_on ON declaration(declared_on)",
            ]),
        Migration(
            version: 3, name: "enterprise registry, credit facts, monthly rollups, tier moves",
            sqlite: [
                """
                CREATE TABLE enterprise (
                    id TEXT PRIMARY KEY,
                    credit_code TEXT UNIQUE CHECK (credit_code IS NULL OR length(credit_code) = 18),
                    name TEXT NOT NULL,
                    district TEXT NOT NULL,
                    synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)))
                """,
                """
                CREATE TABLE credit_fact (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                    kind TEXT NOT NULL CHECK (kind IN ('customs_grade', 'public_credit_grade', 'serious_dishonesty')),
                    value TEXT NOT NULL,
                    source TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    UNIQUE (enterprise_id, kind, as_of))
                """,
                """
                CREATE TABLE rollup_dirty_month (
                    month TEXT PRIMARY KEY)
                """,
                """
                CREATE TABLE trade_month_district (
                    month TEXT NOT NULL,
                    district TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    supervision_code TEXT NOT NULL,
                    country TEXT NOT NULL,
                    records INTEGER NOT NULL,
                    value_fen INTEGER NOT NULL,
                    PRIMARY KEY (month, district, direction, supervision_code, country))
                """,
                """
                CREATE TABLE trade_month_enterprise (
                    month TEXT NOT NULL,
                    enterprise_id TEXT NOT NULL,
                    district TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    records INTEGER NOT NULL,
                    value_fen INTEGER NOT NULL,
                    PRIMARY KEY (month, enterprise_id, direction))
                """,
                "CREATE INDEX trade_month_enterprise_by_enterprise ON trade_month_enterprise(enterprise_id, month)",
                "CREATE INDEX inventory_declared_on ON inventory(declared_on)",
                """
                CREATE TABLE tier_move (
                    enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                    ladder TEXT NOT NULL,
                    on_month TEXT NOT NULL,
                    from_tier INTEGER NOT NULL,
                    to_tier INTEGER NOT NULL,
                    trailing_fen INTEGER NOT NULL,
                    PRIMARY KEY (enterprise_id, ladder, on_month))
                """,
            ],
            postgres: [
                """
                CREATE TABLE enterprise (
                    id TEXT PRIMARY KEY,
                    credit_code TEXT UNIQUE CHECK (credit_code IS NULL OR length(credit_code) = 18),
                    name TEXT NOT NULL,
                    district TEXT NOT NULL,
                    synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)))
                """,
                """
                CREATE TABLE credit_fact (
                    id BIGSERIAL PRIMARY KEY,
                    enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                    kind TEXT NOT NULL CHECK (kind IN ('customs_grade', 'public_credit_grade', 'serious_dishonesty')),
                    value TEXT NOT NULL,
                    source TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    UNIQUE (enterprise_id, kind, as_of))
                """,
                """
                CREATE TABLE rollup_dirty_month (
                    month TEXT PRIMARY KEY)
                """,
                """
                CREATE TABLE trade_month_district (
                    month TEXT NOT NULL,
                    district TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    supervision_code TEXT NOT NULL,
                    country TEXT NOT NULL,
                    records BIGINT NOT NULL,
                    value_fen BIGINT NOT NULL,
                    PRIMARY KEY (month, district, direction, supervision_code, country))
                """,
                """
                CREATE TABLE trade_month_enterprise (
                    month TEXT NOT NULL,
                    enterprise_id TEXT NOT NULL,
                    district TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                    records BIGINT NOT NULL,
                    value_fen BIGINT NOT NULL,
                    PRIMARY KEY (month, enterprise_id, direction))
                """,
                "CREATE INDEX trade_month_enterprise_by_enterprise ON trade_month_enterprise(enterprise_id, month)",
                "CREATE INDEX inventory_declared_on ON inventory(declared_on)",
                """
                CREATE TABLE tier_move (
                    enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                    ladder TEXT NOT NULL,
                    on_month TEXT NOT NULL,
                    from_tier INTEGER NOT NULL,
                    to_tier INTEGER NOT NULL,
                    trailing_fen BIGINT NOT NULL,
                    PRIMARY KEY (enterprise_id, ladder, on_month))
                """,
            ]),
        Migration(
            version: 4, name: "manual indicator entries with evidence, task status updates",
            sqlite: [
                """
                CREATE TABLE indicator_entry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    plan_id TEXT NOT NULL,
                    target_id TEXT NOT NULL,
                    value TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    entered_by TEXT NOT NULL,
                    evidence TEXT NOT NULL,
                    entered_at TEXT NOT NULL,
                    CHECK (length(evidence) > 0))
                """,
                "CREATE INDEX indicator_entry_target ON indicator_entry(plan_id, target_id, as_of)",
                """
                CREATE TABLE task_update (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    plan_id TEXT NOT NULL,
                    clause TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('未开始', '进行中', '已完成', '暂缓')),
                    note TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX task_update_task ON task_update(plan_id, clause, updated_at)",
            ],
            postgres: [
                """
                CREATE TABLE indicator_entry (
                    id BIGSERIAL PRIMARY KEY,
                    plan_id TEXT NOT NULL,
                    target_id TEXT NOT NULL,
                    value TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    entered_by TEXT NOT NULL,
                    evidence TEXT NOT NULL,
                    entered_at TEXT NOT NULL,
                    CHECK (length(evidence) > 0))
                """,
                "CREATE INDEX indicator_entry_target ON indicator_entry(plan_id, target_id, as_of)",
                """
                CREATE TABLE task_update (
                    id BIGSERIAL PRIMARY KEY,
                    plan_id TEXT NOT NULL,
                    clause TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('未开始', '进行中', '已完成', '暂缓')),
                    note TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX task_update_task ON task_update(plan_id, clause, updated_at)",
            ]),
        Migration(
            version: 5, name: "task state with a version: a status moves only from the state its writer saw",
            sqlite: Migrations.taskState(integer: "INTEGER"),
            postgres: Migrations.taskState(integer: "BIGINT")),
        Migration(
            version: 6, name: "web platform: users with roles and scopes, sessions, bearer tokens, login failures, the access log",
            sqlite: Migrations.accounts(serial: "INTEGER PRIMARY KEY AUTOINCREMENT"),
            postgres: Migrations.accounts(serial: "BIGSERIAL PRIMARY KEY")),
        Migration(
            version: 7, name: "HS chapter in the district rollup (运行监测 by 商品编码 chapter); every month recomputed",
            sqlite: Migrations.hsChapter(integer: "INTEGER"),
            postgres: Migrations.hsChapter(integer: "BIGINT")),
        Migration(
            version: 8, name: "rollup version: a counter of rollup changes, for the server's caches",
            sqlite: Migrations.rollupVersion(integer: "INTEGER"),
            postgres: Migrations.rollupVersion(integer: "BIGINT")),
        Migration(
            version: 9, name: "运力券 pool: batches, vouchers with their server sequence and idempotency key; balances held by CHECK constraints",
            sqlite: Migrations.voucherPool(serial: "INTEGER PRIMARY KEY AUTOINCREMENT", integer: "INTEGER"),
            postgres: Migrations.voucherPool(serial: "BIGSERIAL PRIMARY KEY", integer: "BIGINT")),
        Migration(
            version: 10, name: "cash-out: the audit chain and its signed checkpoints; evidence files, applications and 免申即享 facts, reviews, budgets, payee accounts, payout batches",
            sqlite: Migrations.auditTrail(integer: "INTEGER", serial: "INTEGER PRIMARY KEY AUTOINCREMENT", dialect: .sqlite)
                + Migrations.cashOut(serial: "INTEGER PRIMARY KEY AUTOINCREMENT", integer: "INTEGER", blob: "BLOB"),
            postgres: Migrations.auditTrail(integer: "BIGINT", serial: "BIGSERIAL PRIMARY KEY", dialect: .postgres)
                + Migrations.cashOut(serial: "BIGSERIAL PRIMARY KEY", integer: "BIGINT", blob: "BYTEA")),
        Migration(
            version: 11, name: "免申即享 from the 梯度培育库: at most one proposal per enterprise, matter and date that no imported fact stands behind",
            sqlite: [Migrations.oneProposalWithoutFact], postgres: [Migrations.oneProposalWithoutFact]),
        Migration(
            version: 12, name: "originals stored once and compressed (zlib); a record's fields no longer copied as JSON (read from its original)",
            sqlite: Migrations.originalsOnce(length: "length") + ["ALTER TABLE record DROP COLUMN fields"],
            postgres: Migrations.originalsOnce(length: "octet_length") + [
                // Compressed already: TOAST keeps them out of line without compressing them again.
                "ALTER TABLE message_blob ALTER COLUMN bytes SET STORAGE EXTERNAL",
                "ALTER TABLE record DROP COLUMN fields",
            ]),
        Migration(
            version: 13, name: "limits in the database: what each enterprise (or a pool's applicants together) has used of each limit per period, held by CHECK (used <= bound), and what each application holds of it",
            sqlite: Migrations.limitRows(integer: "INTEGER"), postgres: Migrations.limitRows(integer: "BIGINT")),
        Migration(
            version: 14, name: "the access-log entry of a change written in the change's own transaction: at most one entry per request (request_id)",
            sqlite: Migrations.accessLogRequest, postgres: Migrations.accessLogRequest),
        Migration(
            version: 15, name: "retail import: each import 申报清单's regime and taxes, each buyer's yearly quota by delta (CHECK used <= bound), returns, the monthly tax rollup",
            sqlite: Migrations.retailImport(integer: "INTEGER"), postgres: Migrations.retailImport(integer: "BIGINT")),
    ]

    /// Migration 15. A buyer is named by an HMAC of the ID type and number under the database's own
    /// secret (`buyer_key_secret`), never by the number. `buyer_quota.used_fen` is the net price of
    /// the year's counted orders less their returns, kept by delta and held under the yearly limit
    /// in force (`bound_fen`) by the database itself. An assessment keeps its figures, the quota
    /// before it and the version of the regime file it was made under, not its explanation (about
    /// 1.7 kB a row): the calculator gives that again from the same facts.
    static func retailImport(integer: String) -> [String] {
        [
            "CREATE TABLE buyer_key_secret (id \(integer) PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL CHECK (length(secret) = 64))",
            """
            CREATE TABLE import_assessment (
                cop_no TEXT NOT NULL,
                ebc_code TEXT NOT NULL,
                buyer TEXT NOT NULL CHECK (length(buyer) = 64),
                year \(integer) NOT NULL,
                declared_on TEXT NOT NULL,
                supervision_code TEXT NOT NULL,
                ebp_code TEXT NOT NULL,
                consignee TEXT NOT NULL,
                regime TEXT NOT NULL CHECK (regime IN ('cbec', 'cbec_full_rate', 'general_trade', 'unassessed')),
                price_fen \(integer) NOT NULL CHECK (price_fen >= 0),
                duty_fen \(integer) NOT NULL CHECK (duty_fen >= 0),
                consumption_tax_fen \(integer) NOT NULL CHECK (consumption_tax_fen >= 0),
                vat_fen \(integer) NOT NULL CHECK (vat_fen >= 0),
                quota_fen \(integer) NOT NULL CHECK (quota_fen >= 0),
                returned_quota_fen \(integer) NOT NULL DEFAULT 0 CHECK (returned_quota_fen >= 0 AND returned_quota_fen <= quota_fen),
                returned_tax_fen \(integer) NOT NULL DEFAULT 0 CHECK (returned_tax_fen >= 0 AND returned_tax_fen <= duty_fen + consumption_tax_fen + vat_fen),
                duty_rate_missing \(integer) NOT NULL CHECK (duty_rate_missing IN (0, 1)),
                near_single \(integer) NOT NULL CHECK (near_single IN (0, 1)),
                released_at TEXT,
                lines TEXT NOT NULL,
                quota_before_fen \(integer) NOT NULL CHECK (quota_before_fen >= 0),
                note TEXT NOT NULL,
                regime_version TEXT NOT NULL,
                PRIMARY KEY (cop_no, ebc_code),
                CHECK ((regime IN ('cbec', 'cbec_full_rate')) = (quota_fen > 0) OR price_fen = 0),
                CHECK (regime NOT IN ('cbec', 'cbec_full_rate') OR quota_fen = price_fen))
            """,
            "CREATE INDEX import_assessment_buyer ON import_assessment(buyer, year)",
            "CREATE INDEX import_assessment_month ON import_assessment(declared_on)",
            """
            CREATE TABLE buyer_quota (
                buyer TEXT NOT NULL CHECK (length(buyer) = 64),
                year \(integer) NOT NULL,
                used_fen \(integer) NOT NULL CHECK (used_fen >= 0),
                orders \(integer) NOT NULL CHECK (orders >= 0),
                bound_fen \(integer) NOT NULL CHECK (bound_fen > 0),
                PRIMARY KEY (buyer, year),
                CHECK (used_fen <= bound_fen))
            """,
            """
            CREATE TABLE import_return (
                cop_no TEXT NOT NULL,
                ebc_code TEXT NOT NULL,
                invt_no TEXT NOT NULL,
                inv_cop_no TEXT,
                inv_ebc_code TEXT,
                applied_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('refunded', 'not_refunded', 'withdrawn', 'unmatched')),
                quota_fen \(integer) NOT NULL CHECK (quota_fen >= 0),
                tax_fen \(integer) NOT NULL CHECK (tax_fen >= 0),
                reason TEXT NOT NULL,
                PRIMARY KEY (cop_no, ebc_code),
                FOREIGN KEY (inv_cop_no, inv_ebc_code) REFERENCES import_assessment(cop_no, ebc_code))
            """,
            "CREATE INDEX import_return_original ON import_return(inv_cop_no, inv_ebc_code)",
            """
            CREATE TABLE import_tax_month (
                month TEXT NOT NULL,
                supervision_code TEXT NOT NULL,
                ebc_code TEXT NOT NULL,
                ebp_code TEXT NOT NULL,
                regime TEXT NOT NULL,
                orders \(integer) NOT NULL,
                price_fen \(integer) NOT NULL,
                duty_fen \(integer) NOT NULL,
                consumption_tax_fen \(integer) NOT NULL,
                vat_fen \(integer) NOT NULL,
                returned_quota_fen \(integer) NOT NULL,
                returned_tax_fen \(integer) NOT NULL,
                returned_orders \(integer) NOT NULL,
                duty_rate_missing \(integer) NOT NULL,
                near_single \(integer) NOT NULL,
                PRIMARY KEY (month, supervision_code, ebc_code, ebp_code, regime))
            """,
        ]
    }

    /// Migration 14. A change made for a web request writes its access-log entry in its own
    /// transaction (`RequestOrigin`); the request's id keeps it to one entry however many audit
    /// events the request appends, and however many transactions it runs.
    static let accessLogRequest = [
        "ALTER TABLE access_log ADD COLUMN request_id TEXT",
        "CREATE UNIQUE INDEX access_log_request ON access_log(request_id) WHERE request_id IS NOT NULL",
    ]

    /// Migration 13. `limit_use`: one row per limit (`policy/measure/parameter`, `…/once`,
    /// `…/per_year`, `policy/group`, `policy/pool`), owner (the enterprise, `*` for a pool) and
    /// period (the year, 0 for the policy period); `id` is the three joined by `|` (the audit
    /// replay's key). `limit_hold`: what each application holds of each row. The applications of
    /// before the migration hold nothing until their enterprise files again (`limits_held = 0`).
    static func limitRows(integer: String) -> [String] {
        [
            """
            CREATE TABLE limit_use (
                id TEXT PRIMARY KEY,
                limit_key TEXT NOT NULL,
                owner TEXT NOT NULL,
                period \(integer) NOT NULL CHECK (period >= 0),
                unit TEXT NOT NULL CHECK (unit IN ('fen', 'grants')),
                used \(integer) NOT NULL CHECK (used >= 0),
                bound \(integer) NOT NULL CHECK (bound >= 0),
                label TEXT NOT NULL,
                clause TEXT NOT NULL,
                UNIQUE (limit_key, owner, period),
                CHECK (id = limit_key || '|' || owner || '|' || CAST(period AS TEXT)),
                CHECK (used <= bound))
            """,
            """
            CREATE TABLE limit_hold (
                application_id \(integer) NOT NULL REFERENCES application(id),
                limit_id TEXT NOT NULL REFERENCES limit_use(id),
                unit TEXT NOT NULL CHECK (unit IN ('fen', 'grants')),
                amount \(integer) NOT NULL CHECK (amount >= 0),
                PRIMARY KEY (application_id, limit_id))
            """,
            "CREATE INDEX limit_hold_limit ON limit_hold(limit_id)",
            "CREATE INDEX limit_use_owner ON limit_use(owner)",
            "ALTER TABLE application ADD COLUMN limits_held \(integer) NOT NULL DEFAULT 0 CHECK (limits_held IN (0, 1))",
        ]
    }

    /// Migration 12. Each original says how it is stored and how long it is; the rows stored before
    /// stay as they came (`none`) and are read as before.
    static func originalsOnce(length: String) -> [String] {
        [
            "ALTER TABLE message_blob ADD COLUMN compression TEXT NOT NULL DEFAULT 'none' CHECK (compression IN ('none', 'zlib'))",
            "ALTER TABLE message_blob ADD COLUMN original_size INTEGER NOT NULL DEFAULT 0 CHECK (original_size >= 0)",
            "UPDATE message_blob SET original_size = \(length)(bytes)",
        ]
    }

    static let oneProposalWithoutFact =
        "CREATE UNIQUE INDEX application_one_proposal ON application(enterprise_id, matter, claim_date) WHERE origin = 'proposed' AND fact_id IS NULL"

    /// Migration 10, the audit chain. Entries are numbered by the head row (locked in the writing
    /// transaction), so the sequence has no gaps; each entry's hash covers the one before it; triggers
    /// refuse UPDATE and DELETE (a change outside the program is what `kuajing audit verify` finds).
    static func auditTrail(integer: String, serial: String, dialect: SQLDialect) -> [String] {
        var out = [
            """
            CREATE TABLE audit_entry (
                sequence \(integer) PRIMARY KEY CHECK (sequence >= 1),
                recorded_at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                content TEXT NOT NULL,
                previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
                hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64))
            """,
            "CREATE INDEX audit_entry_subject ON audit_entry(subject, sequence)",
            """
            CREATE TABLE audit_head (
                id \(integer) PRIMARY KEY CHECK (id = 1),
                sequence \(integer) NOT NULL CHECK (sequence >= 0),
                hash TEXT NOT NULL CHECK (length(hash) = 64))
            """,
            "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
            """
            CREATE TABLE audit_checkpoint (
                id \(serial),
                sequence \(integer) NOT NULL CHECK (sequence >= 0),
                head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
                signed_at TEXT NOT NULL,
                reason TEXT NOT NULL,
                public_key TEXT NOT NULL,
                signature TEXT NOT NULL)
            """,
        ]
        switch dialect {
        case .sqlite:
            for table in ["audit_entry", "audit_checkpoint"] {
                for op in ["UPDATE", "DELETE"] {
                    out.append("CREATE TRIGGER \(table)_no_\(op.lowercased()) BEFORE \(op) ON \(table) BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
                }
            }
        case .postgres:
            out.append("CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$")
            for table in ["audit_entry", "audit_checkpoint"] {
                out.append("CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
            }
        }
        return out
    }

    /// Migration 10, the money. Every balance is a row whose CHECK constraints hold whatever the code
    /// does: a budget never commits more than was released; a payout line pays a positive amount or
    /// reverses one; an application is in at most one live payment.
    static func cashOut(serial: String, integer: String, blob: String) -> [String] {
        [
            """
            CREATE TABLE evidence_file (
                sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
                size \(integer) NOT NULL CHECK (size > 0),
                name TEXT NOT NULL,
                media_type TEXT NOT NULL,
                content \(blob) NOT NULL,
                uploaded_by TEXT NOT NULL,
                uploaded_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE proposal_fact (
                id \(serial),
                kind TEXT NOT NULL CHECK (kind IN ('credit_insurance_premiums', 'logistics_contracts')),
                enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                enterprise_name TEXT NOT NULL,
                reference_no TEXT NOT NULL,
                amount_fen \(integer) NOT NULL CHECK (amount_fen > 0),
                fact_date TEXT NOT NULL,
                counterparty TEXT NOT NULL,
                source_sha256 TEXT NOT NULL,
                source_line \(integer) NOT NULL,
                imported_by TEXT NOT NULL,
                imported_at TEXT NOT NULL,
                UNIQUE (kind, enterprise_id, reference_no))
            """,
            """
            CREATE TABLE application (
                id \(serial),
                enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                district TEXT NOT NULL,
                matter TEXT NOT NULL,
                claim_date TEXT NOT NULL,
                amount_fen \(integer) NOT NULL CHECK (amount_fen >= 0),
                attributes TEXT NOT NULL,
                origin TEXT NOT NULL CHECK (origin IN ('applied', 'proposed')),
                fact_id \(integer) UNIQUE REFERENCES proposal_fact(id),
                status TEXT NOT NULL CHECK (status IN ('proposed', 'submitted', 'approved', 'reduced', 'rejected', 'objected', 'declined', 'committed', 'paid')),
                engine_status TEXT NOT NULL,
                engine_award_fen \(integer) NOT NULL CHECK (engine_award_fen >= 0),
                policy TEXT,
                measure TEXT,
                clause TEXT,
                year \(integer) NOT NULL,
                explanation TEXT NOT NULL,
                decided_fen \(integer) CHECK (decided_fen >= 0),
                city_fen \(integer) CHECK (city_fen >= 0),
                district_fen \(integer) CHECK (district_fen >= 0),
                funding_basis TEXT,
                flags TEXT NOT NULL,
                holder TEXT NOT NULL,
                holder_since TEXT NOT NULL,
                due_at TEXT,
                first_reviewer TEXT,
                second_reviewer TEXT,
                filed_by TEXT NOT NULL,
                filed_at TEXT NOT NULL,
                version \(integer) NOT NULL DEFAULT 1,
                CHECK (decided_fen IS NULL OR city_fen IS NULL OR city_fen + district_fen = decided_fen),
                CHECK (status NOT IN ('approved', 'reduced', 'committed', 'paid') OR (decided_fen > 0 AND city_fen IS NOT NULL AND district_fen IS NOT NULL)),
                CHECK (engine_status = 'needs_review' OR decided_fen IS NULL OR decided_fen <= engine_award_fen))
            """,
            "CREATE INDEX application_enterprise ON application(enterprise_id, matter)",
            "CREATE INDEX application_status ON application(status, district)",
            """
            CREATE TABLE application_evidence (
                application_id \(integer) NOT NULL REFERENCES application(id),
                sha256 TEXT NOT NULL REFERENCES evidence_file(sha256),
                PRIMARY KEY (application_id, sha256))
            """,
            "CREATE INDEX application_evidence_file ON application_evidence(sha256)",
            """
            CREATE TABLE application_review (
                id \(serial),
                application_id \(integer) NOT NULL REFERENCES application(id),
                stage TEXT NOT NULL CHECK (stage IN ('review', 'objection')),
                reviewer TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('approve', 'reduce', 'reject')),
                amount_fen \(integer) NOT NULL CHECK (amount_fen >= 0),
                reason TEXT NOT NULL CHECK (length(reason) > 0),
                decided_at TEXT NOT NULL,
                UNIQUE (application_id, stage))
            """,
            """
            CREATE TABLE budget (
                id \(serial),
                policy TEXT NOT NULL,
                measure TEXT NOT NULL,
                year \(integer) NOT NULL,
                payer TEXT NOT NULL,
                allocated_fen \(integer) NOT NULL CHECK (allocated_fen >= 0),
                released_fen \(integer) NOT NULL DEFAULT 0 CHECK (released_fen >= 0),
                reserved_fen \(integer) NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
                committed_fen \(integer) NOT NULL DEFAULT 0 CHECK (committed_fen >= 0),
                paid_fen \(integer) NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
                CHECK (released_fen <= allocated_fen),
                CHECK (reserved_fen + committed_fen + paid_fen <= released_fen),
                UNIQUE (policy, measure, year, payer))
            """,
            """
            CREATE TABLE payee_account (
                id \(serial),
                enterprise_id TEXT NOT NULL REFERENCES enterprise(id),
                bank TEXT NOT NULL CHECK (length(bank) > 0),
                account_no TEXT NOT NULL CHECK (length(account_no) BETWEEN 6 AND 40),
                holder TEXT NOT NULL CHECK (length(holder) > 0),
                evidence_sha256 TEXT REFERENCES evidence_file(sha256),
                status TEXT NOT NULL CHECK (status IN ('entered', 'confirmed', 'superseded')),
                entered_by TEXT NOT NULL,
                entered_at TEXT NOT NULL,
                confirmed_by TEXT,
                confirmed_at TEXT,
                CHECK (status <> 'confirmed' OR confirmed_by IS NOT NULL))
            """,
            "CREATE INDEX payee_account_enterprise ON payee_account(enterprise_id, status)",
            "CREATE INDEX payee_account_number ON payee_account(account_no)",
            """
            CREATE TABLE payout_batch (
                id \(serial),
                status TEXT NOT NULL CHECK (status IN ('frozen', 'paid')),
                total_fen \(integer) NOT NULL,
                lines \(integer) NOT NULL CHECK (lines > 0),
                file_sha256 TEXT NOT NULL CHECK (length(file_sha256) = 64),
                file_csv TEXT NOT NULL,
                audit_sequence \(integer) NOT NULL,
                audit_head TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                paid_reference TEXT,
                paid_by TEXT,
                paid_at TEXT,
                CHECK (status <> 'paid' OR paid_reference IS NOT NULL))
            """,
            """
            CREATE TABLE payout_line (
                id \(serial),
                batch_id \(integer) NOT NULL REFERENCES payout_batch(id),
                application_id \(integer) NOT NULL REFERENCES application(id),
                kind TEXT NOT NULL CHECK (kind IN ('payment', 'reversal', 'reissue')),
                amount_fen \(integer) NOT NULL,
                city_fen \(integer) NOT NULL,
                district_fen \(integer) NOT NULL,
                payee_account_id \(integer) NOT NULL REFERENCES payee_account(id),
                reverses_line \(integer) REFERENCES payout_line(id),
                reason TEXT,
                CHECK (city_fen + district_fen = amount_fen),
                CHECK ((kind = 'reversal' AND amount_fen < 0 AND reverses_line IS NOT NULL) OR (kind <> 'reversal' AND amount_fen > 0)),
                UNIQUE (reverses_line))
            """,
            "CREATE UNIQUE INDEX payout_line_one_payment ON payout_line(application_id) WHERE kind = 'payment'",
        ]
    }

    /// Migration 9. The pool row carries its balances; the CHECK constraints make overspending
    /// impossible whatever the code does: batches never exceed the limit, and reserved + committed +
    /// paid never exceed what has been released.
    static func voucherPool(serial: String, integer: String) -> [String] {
        [
            """
            CREATE TABLE voucher_pool (
                policy TEXT PRIMARY KEY,
                limit_fen \(integer) NOT NULL CHECK (limit_fen > 0),
                batches_fen \(integer) NOT NULL DEFAULT 0,
                released_fen \(integer) NOT NULL DEFAULT 0,
                reserved_fen \(integer) NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
                committed_fen \(integer) NOT NULL DEFAULT 0 CHECK (committed_fen >= 0),
                paid_fen \(integer) NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
                next_sequence \(integer) NOT NULL DEFAULT 1,
                CHECK (batches_fen <= limit_fen),
                CHECK (released_fen <= batches_fen),
                CHECK (reserved_fen + committed_fen + paid_fen <= released_fen))
            """,
            """
            CREATE TABLE voucher_batch (
                id \(serial),
                policy TEXT NOT NULL REFERENCES voucher_pool(policy),
                label TEXT NOT NULL,
                amount_fen \(integer) NOT NULL CHECK (amount_fen > 0),
                opens_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE voucher (
                id \(serial),
                policy TEXT NOT NULL REFERENCES voucher_pool(policy),
                sequence \(integer) NOT NULL,
                enterprise_id TEXT NOT NULL,
                contract_no TEXT NOT NULL,
                contract_fen \(integer) NOT NULL CHECK (contract_fen > 0),
                provider TEXT NOT NULL,
                contract_date TEXT NOT NULL,
                year \(integer) NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('issued', 'waitlisted', 'cancelled', 'expired', 'paid')),
                amount_fen \(integer) NOT NULL CHECK (amount_fen >= 0),
                entitled_fen \(integer) NOT NULL CHECK (entitled_fen >= amount_fen),
                explanation TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                request_sha256 TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                -- 5% of the contract, the award rounded half up to the fen: at most half a fen above.
                CHECK (amount_fen * 20 <= contract_fen + 10),
                CHECK (status <> 'waitlisted' OR amount_fen = 0),
                UNIQUE (policy, sequence),
                UNIQUE (policy, idempotency_key),
                UNIQUE (policy, enterprise_id, contract_no))
            """,
            "CREATE INDEX voucher_enterprise_year ON voucher(policy, enterprise_id, year)",
        ]
    }

    static func rollupVersion(integer: String) -> [String] {
        [
            "CREATE TABLE rollup_version (id \(integer) PRIMARY KEY CHECK (id = 1), version \(integer) NOT NULL CHECK (version >= 0))",
            "INSERT INTO rollup_version (id, version) VALUES (1, 0)",
        ]
    }

    /// Migration 7. Inventories stored before it have no chapter ('' in the rollups: 未知); declarations
    /// carry theirs. The district rollup is rebuilt: every month is marked and `Store.migrate`
    /// recomputes the marked months in the same call.
    static func hsChapter(integer: String) -> [String] {
        [
            "ALTER TABLE inventory ADD COLUMN hs_chapter TEXT",
            "DROP TABLE trade_month_district",
            """
            CREATE TABLE trade_month_district (
                month TEXT NOT NULL,
                district TEXT NOT NULL,
                direction TEXT NOT NULL CHECK (direction IN ('I', 'E')),
                supervision_code TEXT NOT NULL,
                country TEXT NOT NULL,
                hs_chapter TEXT NOT NULL,
                records \(integer) NOT NULL,
                value_fen \(integer) NOT NULL,
                PRIMARY KEY (month, district, direction, supervision_code, country, hs_chapter))
            """,
            "INSERT INTO rollup_dirty_month (month) SELECT DISTINCT month FROM trade_month_enterprise WHERE month NOT IN (SELECT month FROM rollup_dirty_month)",
        ]
    }

    /// Migration 6. A user's scope is in the schema: a district user names a district, an enterprise
    /// user an enterprise of the registry; secrets are stored as bcrypt (passwords) or SHA-256 (session
    /// and bearer tokens), never as given.
    static func accounts(serial: String) -> [String] {
        let roles = "('admin', 'analyst', 'district', 'enterprise', 'auditor')"
        return [
            """
            CREATE TABLE app_user (
                name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
                display_name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN \(roles)),
                city TEXT NOT NULL,
                district TEXT,
                enterprise_id TEXT REFERENCES enterprise(id),
                password_hash TEXT NOT NULL CHECK (length(password_hash) >= 59),
                created_at TEXT NOT NULL,
                CHECK (role <> 'district' OR district IS NOT NULL),
                CHECK (role <> 'enterprise' OR enterprise_id IS NOT NULL))
            """,
            """
            CREATE TABLE web_session (
                token_sha256 TEXT PRIMARY KEY CHECK (length(token_sha256) = 64),
                user_name TEXT NOT NULL REFERENCES app_user(name) ON DELETE CASCADE,
                csrf TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE api_token (
                token_sha256 TEXT PRIMARY KEY CHECK (length(token_sha256) = 64),
                user_name TEXT NOT NULL REFERENCES app_user(name) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN \(roles)),
                district TEXT,
                enterprise_id TEXT REFERENCES enterprise(id),
                created_at TEXT NOT NULL,
                CHECK (role <> 'district' OR district IS NOT NULL),
                CHECK (role <> 'enterprise' OR enterprise_id IS NOT NULL))
            """,
            """
            CREATE TABLE login_failure (
                id \(serial),
                user_name TEXT NOT NULL,
                address TEXT NOT NULL,
                at TEXT NOT NULL)
            """,
            "CREATE INDEX login_failure_user ON login_failure(user_name, at)",
            "CREATE INDEX login_failure_address ON login_failure(address, at)",
            """
            CREATE TABLE access_log (
                id \(serial),
                at TEXT NOT NULL,
                user_name TEXT,
                address TEXT NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('denied', 'signed_in', 'sign_in_failed', 'signed_out', 'changed')),
                reason TEXT NOT NULL)
            """,
            "CREATE INDEX access_log_at ON access_log(at)",
        ]
    }

    /// Migration 5, the same text on both engines but for the integer type. Each update records the
    /// version it produced (unique per task: two writers can never both produce version n), and
    /// the task's current state carries it; earlier updates are numbered in the order they were entered.
    static func taskState(integer: String) -> [String] {
        [
            "ALTER TABLE task_update ADD COLUMN version \(integer)",
            """
            UPDATE task_update SET version = (SELECT COUNT(*) FROM task_update t2
                WHERE t2.plan_id = task_update.plan_id AND t2.clause = task_update.clause AND t2.id <= task_update.id)
            """,
            "CREATE UNIQUE INDEX task_update_version ON task_update(plan_id, clause, version)",
            """
            CREATE TABLE task_state (
                plan_id TEXT NOT NULL,
                clause TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('未开始', '进行中', '已完成', '暂缓')),
                version \(integer) NOT NULL CHECK (version >= 1),
                updated_by TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (plan_id, clause))
            """,
            """
            INSERT INTO task_state (plan_id, clause, status, version, updated_by, updated_at)
            SELECT u.plan_id, u.clause, u.status, u.version, u.updated_by, u.updated_at FROM task_update u
            WHERE u.version = (SELECT MAX(t2.version) FROM task_update t2 WHERE t2.plan_id = u.plan_id AND t2.clause = u.clause)
            """,
        ]
    }
}

/// A migration as `kuajing migrate` reports it.
public struct AppliedMigration: Sendable, Equatable {
    public var version: Int
    public var name: String
}

/// Applies the migrations not yet applied, in order, in one transaction under a lock (an advisory
/// lock on PostgreSQL; on SQLite the immediate write transaction is the lock), so that two
/// processes starting at once never race: the second waits, then finds nothing left to do.
public enum Migrator {
    public static var latestVersion: Int { Migrations.all.map(\.version).max() ?? 0 }

    @discardableResult
    public static func migrate(_ backend: any StoreBackend, now: String) async throws -> [AppliedMigration] {
        let dialect = backend.dialect, lock = backend.migrationLockStatement
        return try await backend.write { db in
            if let lock { try db.execute(lock, []) }
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)", [])
            let applied = Set(try db.rows("SELECT version FROM schema_migrations", []).map { try $0.int("version") })
            var done: [AppliedMigration] = []
            for m in Migrations.all where !applied.contains(Int64(m.version)) {
                for sql in dialect == .sqlite ? m.sqlite : m.postgres { try db.execute(sql, []) }
                try db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", .integer(Int64(m.version)), .text(m.name), .text(now))
                done.append(AppliedMigration(version: m.version, name: m.name))
            }
            return done
        }
    }

    /// The versions a database holds (empty when it was never migrated).
    public static func appliedVersions(_ backend: any StoreBackend) async throws -> [Int] {
        try await backend.read { db in
            let exists = db.dialect == .sqlite
                ? try db.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [])
                : try db.rows("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'", [])
            if exists.isEmpty { return [] }
            return try db.rows("SELECT version FROM schema_migrations ORDER BY version", []).map { Int(try $0.int("version")) }
        }
    }
}
