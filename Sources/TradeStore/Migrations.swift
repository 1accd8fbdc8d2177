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
    ]
}
