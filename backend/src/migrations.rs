//! Versioned schema migrations, applied in order at start-up inside one transaction each.
//! `schema_migrations` records what ran; add a new entry at the end, never edit an old one.

use anyhow::Context;
use rusqlite::Connection;

/// (version, SQL). Versions are strictly increasing.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE projects (
        id          TEXT PRIMARY KEY,
        instruction TEXT NOT NULL,
        status      TEXT NOT NULL,
        summary     TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE jobs (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        project_id  TEXT NOT NULL REFERENCES projects(id),
        job_type    TEXT NOT NULL,
        instruction TEXT NOT NULL,
        status      TEXT NOT NULL,
        error       TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX jobs_by_project ON jobs(project_id, seq);",
    ),
    (
        2,
        // Worker processes while they run, so that the next start removes those a killed
        // backend left (`orphans.rs`). `start_ticks`: field 22 of /proc/<pid>/stat, so a
        // reused pid is never mistaken for the worker.
        "CREATE TABLE worker_processes (
        job_id      TEXT PRIMARY KEY,
        pid         INTEGER NOT NULL,
        start_ticks INTEGER NOT NULL,
        recorded_at TEXT NOT NULL
    );",
    ),
];

/// Applies every migration newer than the database's version; returns how many ran.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL
        );",
    )
    .context("creating the schema_migrations table")?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .context("reading the schema version")?;
    let latest = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    anyhow::ensure!(
        current <= latest,
        "the database is at schema version {current}, newer than this backend knows ({latest}); \
         run a newer backend or point DATABASE_URL at another file"
    );
    let mut applied = 0;
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction().context("starting a migration")?;
        tx.execute_batch(sql)
            .with_context(|| format!("applying schema migration {version}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![version, codex_contract::now_iso8601()],
        )?;
        tx.commit()
            .with_context(|| format!("committing schema migration {version}"))?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_record_their_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MIGRATIONS.len());
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        let v: i64 = conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(v, MIGRATIONS.last().unwrap().0);
    }

    #[test]
    fn a_newer_database_is_refused_with_a_clear_message() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'x')", [])
            .unwrap();
        let msg = migrate(&mut conn).unwrap_err().to_string();
        assert!(msg.contains("999") && msg.contains("DATABASE_URL"), "{msg}");
    }
}
