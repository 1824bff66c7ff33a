//! Start-up removal of what an earlier backend on the same data left running (no orphan
//! ever writes): worker processes recorded in `worker_processes`, and worker
//! containers labelled with this stack whose job belongs to this database. Runs after the
//! instance lock is taken (so the earlier backend is gone) and before restart recovery marks
//! its jobs `error`.

use crate::config::{Config, RunnerKind};
use crate::db::Db;
use crate::runner::pgroup;
use codex_contract::now_iso8601;
use rusqlite::params;
use std::time::{Duration, Instant};

/// How long killed worker groups get to disappear before the start-up goes on.
const KILL_WAIT: Duration = Duration::from_secs(10);
/// How long the start-up waits for the Docker engine to list and remove leftovers.
const ENGINE_WAIT: Duration = Duration::from_secs(20);

/// A worker process recorded while it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRecord {
    pub job_id: String,
    pub pid: u32,
    pub start_ticks: u64,
}

impl Db {
    /// Records the running worker of `job_id` (its pid leads the worker's process group).
    pub async fn record_worker(&self, job_id: String, pid: u32, ticks: u64) -> anyhow::Result<()> {
        self.call(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO worker_processes (job_id, pid, start_ticks, recorded_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![job_id, pid, ticks as i64, now_iso8601()],
            )
            .map(drop)
        })
        .await
    }

    /// The worker of `job_id` is gone.
    pub async fn forget_worker(&self, job_id: String) -> anyhow::Result<()> {
        self.call(move |c| {
            c.execute(
                "DELETE FROM worker_processes WHERE job_id=?1",
                params![job_id],
            )
            .map(drop)
        })
        .await
    }

    /// Every recorded worker, removing the records.
    pub async fn take_workers(&self) -> anyhow::Result<Vec<WorkerRecord>> {
        self.call(|c| {
            let tx = c.transaction()?;
            let rows = {
                let mut stmt =
                    tx.prepare("SELECT job_id, pid, start_ticks FROM worker_processes")?;
                let rows = stmt.query_map([], |r| {
                    Ok(WorkerRecord {
                        job_id: r.get(0)?,
                        pid: r.get(1)?,
                        start_ticks: r.get::<_, i64>(2)? as u64,
                    })
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.execute("DELETE FROM worker_processes", [])?;
            tx.commit()?;
            Ok(rows)
        })
        .await
    }

    /// Whether `job_id` is a job of this database.
    pub async fn has_job(&self, job_id: String) -> anyhow::Result<bool> {
        self.call(move |c| {
            c.query_row(
                "SELECT EXISTS(SELECT 1 FROM jobs WHERE id=?1)",
                params![job_id],
                |r| r.get(0),
            )
        })
        .await
    }
}

/// What to do with a recorded worker, from what `/proc` says now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The recorded process is alive: kill its group.
    KillGroup,
    /// The leader is gone: kill what is left of its group (a pid that leads or belongs to a
    /// live group is never handed to a new process, so the group is still the worker's).
    KillRemains,
    /// The pid now names another process (reused): leave it alone.
    NotOurs,
}

/// `now`: the start time of the recorded pid today (`None`: no such process).
pub fn judge(record: &WorkerRecord, now: Option<u64>) -> Verdict {
    match now {
        Some(t) if t == record.start_ticks => Verdict::KillGroup,
        Some(_) => Verdict::NotOurs,
        None => Verdict::KillRemains,
    }
}

/// Removes the leftovers of an earlier backend; logs what it did.
pub async fn remove_leftovers(db: &Db, cfg: &Config) -> anyhow::Result<()> {
    let mut killed = Vec::new();
    for record in db.take_workers().await? {
        let verdict = judge(&record, pgroup::start_ticks(record.pid));
        if verdict != Verdict::NotOurs && pgroup::kill_group(record.pid) {
            killed.push(record);
        }
    }
    if !killed.is_empty() {
        let deadline = Instant::now() + KILL_WAIT;
        while killed.iter().any(|r| pgroup::group_alive(r.pid)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let jobs: Vec<&str> = killed.iter().map(|r| r.job_id.as_str()).collect();
        tracing::warn!(
            workers = killed.len(),
            jobs = ?jobs,
            "killed worker processes an earlier backend left running"
        );
    }
    // Also in mocked mode (the suite's rollback restarts a live stack as mocked on the same
    // data), but then an absent engine is expected and not worth a warning.
    if cfg.runner == RunnerKind::Docker {
        let removal = crate::runner::docker::remove_leftover_containers(&cfg.stack_id, db);
        match tokio::time::timeout(ENGINE_WAIT, removal).await {
            Ok(Ok(names)) if names.is_empty() => {}
            Ok(Ok(names)) => tracing::warn!(
                containers = ?names,
                stack = %cfg.stack_id,
                "removed worker containers an earlier backend left"
            ),
            // The engine may come later; jobs then fail with their own clear reason.
            Ok(Err(e)) if cfg.use_dummy_worker => {
                tracing::debug!(error = %e, "no Docker engine to look for leftover containers")
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot look for leftover worker containers"),
            Err(_) => tracing::warn!(
                "the Docker engine did not answer within {}s; leftover worker containers \
                 were not looked for",
                ENGINE_WAIT.as_secs()
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_pid_is_never_killed() {
        let r = WorkerRecord {
            job_id: "j".into(),
            pid: 4242,
            start_ticks: 100,
        };
        assert_eq!(judge(&r, Some(100)), Verdict::KillGroup);
        assert_eq!(judge(&r, Some(101)), Verdict::NotOurs);
        assert_eq!(judge(&r, None), Verdict::KillRemains);
    }

    #[tokio::test]
    async fn records_are_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("codex.db")).unwrap();
        db.record_worker("j1".into(), 11, 5).await.unwrap();
        db.record_worker("j2".into(), 12, 6).await.unwrap();
        db.forget_worker("j2".into()).await.unwrap();
        let taken = db.take_workers().await.unwrap();
        assert_eq!(
            taken,
            [WorkerRecord {
                job_id: "j1".into(),
                pid: 11,
                start_ticks: 5
            }]
        );
        assert!(db.take_workers().await.unwrap().is_empty());
    }
}
