//! Projects and jobs in SQLite (rusqlite, bundled), WAL mode. One connection behind a mutex;
//! every call runs on tokio's blocking pool so the async workers never wait on disk.

use anyhow::Context;
use codex_contract::{now_iso8601, JobSummary, JobType, ProjectSummary, Status};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The reason given to jobs a previous process left unfinished.
pub const INTERRUPTED_BY_RESTART: &str = "interrupted by restart";

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// One backend per database (see `instance_lock`), held while any clone lives.
    _lock: Arc<crate::instance_lock::InstanceLock>,
}

/// A job row with the backend-only `error` column.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub job: JobSummary,
    pub error: Option<String>,
}

impl Db {
    /// Takes the database's instance lock, opens (creating when needed) the database file,
    /// switches to WAL and migrates.
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!(
                    "creating {} for the database (check DATABASE_URL)",
                    dir.display()
                )
            })?;
        }
        let lock = crate::instance_lock::acquire(path)?;
        let mut conn = Connection::open(path).with_context(|| {
            format!(
                "opening SQLite database {} (check DATABASE_URL)",
                path.display()
            )
        })?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .context("switching SQLite to WAL mode")?;
        anyhow::ensure!(
            mode.eq_ignore_ascii_case("wal"),
            "SQLite refused WAL mode (got {mode}); put DATABASE_URL on a local filesystem"
        );
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
            .context("setting SQLite pragmas")?;
        crate::migrations::migrate(&mut conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            _lock: Arc::new(lock),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub(crate) async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave SQLite half-written (transactions
            // roll back), so a poisoned mutex is safe to keep using.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .context("database task panicked")?
        .context("database query failed")
    }

    /// Marks every `queued`/`in_progress` job (and its project) `error` with `reason`.
    /// Used at start-up (a previous process died) and at shutdown (grace period over).
    pub async fn fail_unfinished(&self, reason: &str) -> anyhow::Result<usize> {
        let reason = reason.to_string();
        self.call(move |c| {
            let tx = c.transaction()?;
            let now = now_iso8601();
            let n = tx.execute(
                "UPDATE jobs SET status='error', error=?1, updated_at=?2
                 WHERE status IN ('queued','in_progress')",
                params![reason, now],
            )?;
            tx.execute(
                "UPDATE projects SET status='error', summary=?1, updated_at=?2
                 WHERE status IN ('queued','in_progress')",
                params![reason, now],
            )?;
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    /// Creates a project and its `initial_project` job, both `queued`.
    pub async fn create_project(
        &self,
        instruction: String,
    ) -> anyhow::Result<(ProjectSummary, JobSummary)> {
        self.call(move |c| {
            let now = now_iso8601();
            let project = ProjectSummary {
                id: uuid::Uuid::new_v4().to_string(),
                instruction: instruction.clone(),
                status: Status::Queued,
                summary: None,
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO projects (id, instruction, status, summary, created_at, updated_at)
                 VALUES (?1, ?2, 'queued', NULL, ?3, ?3)",
                params![project.id, project.instruction, now],
            )?;
            let job = insert_job(&tx, &project.id, JobType::InitialProject, &instruction)?;
            tx.commit()?;
            Ok((project, job))
        })
        .await
    }

    /// Adds a `queued` job to an existing project; `None` when the project does not exist.
    pub async fn create_job(
        &self,
        project_id: String,
        job_type: JobType,
        instruction: String,
    ) -> anyhow::Result<Option<JobSummary>> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let now = now_iso8601();
            let updated = tx.execute(
                "UPDATE projects SET status='queued', updated_at=?2 WHERE id=?1",
                params![project_id, now],
            )?;
            if updated == 0 {
                return Ok(None);
            }
            let job = insert_job(&tx, &project_id, job_type, &instruction)?;
            tx.commit()?;
            Ok(Some(job))
        })
        .await
    }

    pub async fn project(&self, id: String) -> anyhow::Result<Option<ProjectSummary>> {
        self.call(move |c| {
            c.query_row(
                "SELECT id, instruction, status, summary, created_at, updated_at
                 FROM projects WHERE id=?1",
                params![id],
                project_from_row,
            )
            .optional()
        })
        .await
    }

    /// The project's jobs in submission order.
    pub async fn project_jobs(&self, project_id: String) -> anyhow::Result<Vec<JobSummary>> {
        self.call(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, project_id, job_type, instruction, status, created_at, updated_at, error
                 FROM jobs WHERE project_id=?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map(params![project_id], job_from_row)?;
            rows.map(|r| r.map(|j| j.job)).collect()
        })
        .await
    }

    pub async fn job(&self, project_id: String, job_id: String) -> anyhow::Result<Option<JobRow>> {
        self.call(move |c| {
            c.query_row(
                "SELECT id, project_id, job_type, instruction, status, created_at, updated_at, error
                 FROM jobs WHERE project_id=?1 AND id=?2",
                params![project_id, job_id],
                job_from_row,
            )
            .optional()
        })
        .await
    }

    /// The id of the job submitted just before `job_id` in the same project.
    pub async fn previous_job_id(
        &self,
        project_id: String,
        job_id: String,
    ) -> anyhow::Result<Option<String>> {
        self.call(move |c| {
            c.query_row(
                "SELECT id FROM jobs WHERE project_id=?1
                   AND seq < (SELECT seq FROM jobs WHERE id=?2)
                 ORDER BY seq DESC LIMIT 1",
                params![project_id, job_id],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    /// The newest job of the project that has finished.
    pub async fn latest_final_job_id(&self, project_id: String) -> anyhow::Result<Option<String>> {
        self.call(move |c| {
            c.query_row(
                "SELECT id FROM jobs WHERE project_id=?1 AND status IN ('completed','error')
                 ORDER BY seq DESC LIMIT 1",
                params![project_id],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    /// `queued` → `in_progress` for the job and its project.
    pub async fn start_job(&self, job_id: String) -> anyhow::Result<()> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let now = now_iso8601();
            tx.execute(
                "UPDATE jobs SET status='in_progress', updated_at=?2 WHERE id=?1",
                params![job_id, now],
            )?;
            tx.execute(
                "UPDATE projects SET status='in_progress', updated_at=?2
                 WHERE id=(SELECT project_id FROM jobs WHERE id=?1)",
                params![job_id, now],
            )?;
            tx.commit()
        })
        .await
    }

    /// Records a job's final status. The project takes the job's status and summary unless a
    /// later job of it is still waiting, in which case it stays `queued`.
    pub async fn finish_job(
        &self,
        job_id: String,
        status: Status,
        error: Option<String>,
        summary: Option<String>,
    ) -> anyhow::Result<()> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let now = now_iso8601();
            tx.execute(
                "UPDATE jobs SET status=?2, error=?3, updated_at=?4 WHERE id=?1",
                params![job_id, status.as_str(), error, now],
            )?;
            let later_waiting: i64 = tx.query_row(
                "SELECT COUNT(*) FROM jobs j, jobs me WHERE me.id=?1
                   AND j.project_id=me.project_id AND j.seq > me.seq
                   AND j.status IN ('queued','in_progress')",
                params![job_id],
                |r| r.get(0),
            )?;
            let project_status = if later_waiting > 0 {
                Status::Queued
            } else {
                status
            };
            tx.execute(
                "UPDATE projects SET status=?2, summary=COALESCE(?3, summary), updated_at=?4
                 WHERE id=(SELECT project_id FROM jobs WHERE id=?1)",
                params![job_id, project_status.as_str(), summary, now],
            )?;
            tx.commit()
        })
        .await
    }
}

fn insert_job(
    tx: &rusqlite::Transaction<'_>,
    project_id: &str,
    job_type: JobType,
    instruction: &str,
) -> rusqlite::Result<JobSummary> {
    let now = now_iso8601();
    let job = JobSummary {
        id: uuid::Uuid::new_v4().to_string(),
        project_id: project_id.to_string(),
        job_type,
        instruction: instruction.to_string(),
        status: Status::Queued,
        created_at: now.clone(),
        updated_at: now,
    };
    tx.execute(
        "INSERT INTO jobs (id, project_id, job_type, instruction, status, error, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', NULL, ?5, ?5)",
        params![job.id, job.project_id, job_type.as_str(), job.instruction, job.created_at],
    )?;
    Ok(job)
}

fn parse_status(s: String) -> Status {
    s.parse().unwrap_or(Status::Unknown)
}

fn project_from_row(r: &Row<'_>) -> rusqlite::Result<ProjectSummary> {
    Ok(ProjectSummary {
        id: r.get(0)?,
        instruction: r.get(1)?,
        status: parse_status(r.get(2)?),
        summary: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    let job_type: String = r.get(2)?;
    let job_type = job_type.parse::<JobType>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(JobRow {
        job: JobSummary {
            id: r.get(0)?,
            project_id: r.get(1)?,
            job_type,
            instruction: r.get(3)?,
            status: parse_status(r.get(4)?),
            created_at: r.get(5)?,
            updated_at: r.get(6)?,
        },
        error: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_flow_through_their_states_and_restart_recovery_fails_the_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("sub/codex.db")).unwrap();
        let (p, j1) = db.create_project("make a cli".into()).await.unwrap();
        let j2 = db
            .create_job(p.id.clone(), JobType::Edit, "add x".into())
            .await
            .unwrap()
            .unwrap();
        assert!(db
            .create_job("nope".into(), JobType::Edit, "x".into())
            .await
            .unwrap()
            .is_none());
        db.start_job(j1.id.clone()).await.unwrap();
        db.finish_job(j1.id.clone(), Status::Completed, None, Some("done".into()))
            .await
            .unwrap();
        // j2 still waits, so the project stays queued.
        let proj = db.project(p.id.clone()).await.unwrap().unwrap();
        assert_eq!(
            (proj.status, proj.summary.as_deref()),
            (Status::Queued, Some("done"))
        );
        assert_eq!(
            db.previous_job_id(p.id.clone(), j2.id.clone())
                .await
                .unwrap(),
            Some(j1.id.clone())
        );
        let jobs = db.project_jobs(p.id.clone()).await.unwrap();
        assert_eq!(
            jobs.iter().map(|j| &j.id).collect::<Vec<_>>(),
            [&j1.id, &j2.id]
        );

        drop(db);
        let db = Db::open(&dir.path().join("sub/codex.db")).unwrap();
        assert_eq!(db.fail_unfinished(INTERRUPTED_BY_RESTART).await.unwrap(), 1);
        let row = db.job(p.id.clone(), j2.id.clone()).await.unwrap().unwrap();
        assert_eq!(row.job.status, Status::Error);
        assert_eq!(row.error.as_deref(), Some(INTERRUPTED_BY_RESTART));
        let mode: String = db
            .call(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
