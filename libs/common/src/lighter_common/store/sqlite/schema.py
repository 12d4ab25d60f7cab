"""The SQLite store's tables, created when a file is new and brought up to date when it is old.

Each row keeps the whole document as JSON in `doc`; the columns that queries filter and sort
on (store/sqlite/queries.py) are generated from it, so they can never disagree with the
document.
"""

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    livy_id INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.livyId')) STORED,
    type TEXT GENERATED ALWAYS AS (json_extract(doc, '$.type')) STORED,
    state TEXT GENERATED ALWAYS AS (json_extract(doc, '$.state')) STORED,
    created_at REAL GENERATED ALWAYS AS (julianday(json_extract(doc, '$.createdAt'))) STORED,
    deleted INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.deleted')) STORED,
    backend_ref TEXT GENERATED ALWAYS AS (json_extract(doc, '$.backendRef')) STORED,
    name TEXT GENERATED ALWAYS AS (json_extract(doc, '$.submitParams.name')) STORED
);
CREATE UNIQUE INDEX IF NOT EXISTS applications_livy_id ON applications (livy_id);
CREATE INDEX IF NOT EXISTS applications_state_type_created
    ON applications (state, type, created_at);
CREATE INDEX IF NOT EXISTS applications_created ON applications (created_at, livy_id);
CREATE TABLE IF NOT EXISTS statements (
    session_id TEXT NOT NULL,
    id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    state TEXT GENERATED ALWAYS AS (json_extract(doc, '$.state')) STORED,
    PRIMARY KEY (session_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transitions (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS transitions_application ON transitions (application_id, kind);
CREATE INDEX IF NOT EXISTS transitions_at ON transitions (at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    app_id TEXT PRIMARY KEY,
    text TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""


def set_up(connection: sqlite3.Connection) -> None:
    """Pragmas and schema, on the writing connection as it opens."""
    connection.execute("PRAGMA journal_mode = WAL")
    # WAL with NORMAL sync loses no committed data on a process crash, only on power loss.
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.executescript(SCHEMA)
    _add_owner_column(connection)


def _add_owner_column(connection: sqlite3.Connection) -> None:
    """The owner as an indexed column, for the per-user quota's count and owners' lists; added
    here rather than in SCHEMA so that files made before it get it too."""
    columns = {row[1] for row in connection.execute("PRAGMA table_xinfo(applications)")}
    if "owner" not in columns:
        try:
            connection.execute(
                "ALTER TABLE applications ADD COLUMN owner TEXT"
                " GENERATED ALWAYS AS (json_extract(doc, '$.owner')) VIRTUAL"
            )
        except sqlite3.OperationalError as error:  # another process added it meanwhile
            if "duplicate column" not in str(error):
                raise
    connection.execute(
        "CREATE INDEX IF NOT EXISTS applications_owner_state ON applications (owner, state)"
    )
