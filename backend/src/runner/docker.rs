//! Docker runner (`USE_DUMMY_WORKER=False`, `WORKER_RUNNER=docker`): one fresh container per
//! job from `CODEX_WORKER_IMAGE`, through the Engine API on `/var/run/docker.sock` (bollard,
//! API version negotiated: the engine here speaks 1.41). No docker CLI is needed, so the
//! backend runs as PID 1 in a FROM-scratch image.
//!
//! Mounts: with `WORKSPACE_VOLUME` the named volume is mounted at `WORKSPACE_ROOT` and the
//! worker gets `WORKSPACE_DIR=<WORKSPACE_ROOT>/<project_id>`; without it the project's host
//! directory is bind-mounted at `/workspace`. The container carries the labels
//! `codex.managed=true`, `codex.project_id`, `codex.job_id`, `codex.stack`, its output is
//! saved to `.codex/worker.log`, and it is always removed, also after an error or timeout.

use super::{passthrough_env, Exit, JobSpec, RunError, RunFuture, Runner};
use crate::config::{Config, WorkerUser};
use crate::workspace::WORKER_LOG;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, KillContainerOptionsBuilder, ListContainersOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

pub struct DockerRunner {
    image: String,
    timeout: Duration,
    workspace_root: PathBuf,
    volume: Option<String>,
    user: Option<WorkerUser>,
    network: String,
    stack_id: String,
    docker: OnceCell<Docker>,
}

impl DockerRunner {
    /// `workspace_root` is the canonical WORKSPACE_ROOT (the volume's mount point).
    pub fn new(cfg: &Config, workspace_root: &Path) -> DockerRunner {
        DockerRunner {
            image: cfg.worker_image.clone(),
            timeout: cfg.worker_timeout,
            workspace_root: workspace_root.to_path_buf(),
            volume: cfg.workspace_volume.clone(),
            user: cfg.worker_user,
            network: cfg.worker_network.clone(),
            stack_id: cfg.stack_id.clone(),
            docker: OnceCell::new(),
        }
    }

    /// Connects once (lazily, so a backend without the socket still starts and serves the
    /// API; its jobs then fail with a clear reason).
    async fn docker(&self) -> Result<&Docker, RunError> {
        self.docker
            .get_or_try_init(|| async {
                let d = Docker::connect_with_socket_defaults().map_err(unreachable_engine)?;
                d.negotiate_version().await.map_err(unreachable_engine)
            })
            .await
    }

    fn create_body(&self, spec: &JobSpec) -> ContainerCreateBody {
        let (mount, workspace_dir) = match &self.volume {
            Some(volume) => (
                Mount {
                    target: Some(self.workspace_root.display().to_string()),
                    source: Some(volume.clone()),
                    typ: Some(MountType::VOLUME),
                    ..Default::default()
                },
                spec.workspace.display().to_string(),
            ),
            None => (
                Mount {
                    target: Some("/workspace".into()),
                    source: Some(spec.workspace.display().to_string()),
                    typ: Some(MountType::BIND),
                    ..Default::default()
                },
                "/workspace".to_string(),
            ),
        };
        let mut env = vec![format!("WORKSPACE_DIR={workspace_dir}")];
        env.extend(
            passthrough_env()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}")),
        );
        let labels = HashMap::from([
            ("codex.managed".to_string(), "true".to_string()),
            ("codex.project_id".to_string(), spec.project_id.clone()),
            ("codex.job_id".to_string(), spec.job_id.clone()),
            ("codex.stack".to_string(), self.stack_id.clone()),
        ]);
        ContainerCreateBody {
            image: Some(self.image.clone()),
            env: Some(env),
            labels: Some(labels),
            user: self.user.map(|u| u.docker_user()),
            host_config: Some(HostConfig {
                mounts: Some(vec![mount]),
                network_mode: Some(self.network.clone()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Starts the created container and waits for its end, the timeout or a cancel.
    async fn start_and_wait(
        &self,
        docker: &Docker,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Exit, RunError> {
        docker.start_container(id, None).await.map_err(|e| {
            RunError::Failed(format!(
                "starting the worker container failed: {}",
                describe(&e)
            ))
        })?;
        let mut wait = docker.wait_container(id, None);
        let kill = || async {
            let opts = KillContainerOptionsBuilder::new().signal("SIGKILL").build();
            let _ = docker.kill_container(id, Some(opts)).await;
        };
        tokio::select! {
            next = wait.next() => match next {
                Some(Ok(r)) => Ok(Exit { code: Some(r.status_code) }),
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                    Ok(Exit { code: Some(code) })
                }
                Some(Err(e)) => Err(RunError::Failed(format!(
                    "waiting for the worker container failed: {}", describe(&e)
                ))),
                None => Err(RunError::Failed("the Docker engine ended the wait without an exit code".into())),
            },
            _ = tokio::time::sleep(self.timeout) => {
                kill().await;
                Err(RunError::Timeout(self.timeout))
            }
            _ = cancel.cancelled() => {
                kill().await;
                Err(RunError::Cancelled)
            }
        }
    }

    /// Copies the container's stdout/stderr into `.codex/worker.log`.
    async fn save_logs(&self, docker: &Docker, id: &str, workspace: &Path) {
        let opts = LogsOptionsBuilder::new().stdout(true).stderr(true).build();
        let mut logs = docker.logs(id, Some(opts));
        let mut out = Vec::new();
        while let Some(chunk) = logs.next().await {
            match chunk {
                Ok(c) => out.extend_from_slice(&c.into_bytes()),
                Err(e) => {
                    let _ = writeln!(
                        out,
                        "[backend] reading the container logs failed: {}",
                        describe(&e)
                    );
                    break;
                }
            }
        }
        let path = workspace.join(WORKER_LOG);
        if let Err(e) = std::fs::write(&path, out) {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the worker log");
        }
    }
}

impl Runner for DockerRunner {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn run<'a>(&'a self, spec: &'a JobSpec, cancel: CancellationToken) -> RunFuture<'a> {
        Box::pin(async move {
            let docker = self.docker().await?;
            if let Some(user) = self.user {
                chown_tree(&spec.workspace, user);
            }
            let name = format!("codex-worker-{}", spec.job_id);
            let opts = CreateContainerOptionsBuilder::new().name(&name).build();
            let created = docker
                .create_container(Some(opts), self.create_body(spec))
                .await
                .map_err(|e| match &e {
                    bollard::errors::Error::DockerResponseServerError {
                        status_code: 404, ..
                    } => RunError::Failed(format!(
                        "the worker image {} is not available to the Docker engine ({}); build it \
                             (docker-compose build) or set CODEX_WORKER_IMAGE",
                        self.image,
                        describe(&e)
                    )),
                    _ => RunError::Failed(format!(
                        "creating the worker container from {} failed: {}",
                        self.image,
                        describe(&e)
                    )),
                })?;
            let outcome = self.start_and_wait(docker, &created.id, &cancel).await;
            self.save_logs(docker, &created.id, &spec.workspace).await;
            // Always removed, whatever happened above.
            let rm = RemoveContainerOptionsBuilder::new().force(true).build();
            if let Err(e) = docker.remove_container(&created.id, Some(rm)).await {
                tracing::warn!(container = %name, error = %describe(&e), "removing the worker container failed");
            }
            outcome
        })
    }
}

/// Force-removes the worker containers an earlier backend of this stack left (a killed
/// backend never got to remove them): labelled `codex.managed=true` and
/// `codex.stack=<stack_id>`, for a job of this database, so that another stack's workers
/// with the same (default) stack id are left alone. Returns their names.
pub async fn remove_leftover_containers(
    stack_id: &str,
    db: &crate::db::Db,
) -> Result<Vec<String>, String> {
    let docker = Docker::connect_with_socket_defaults().map_err(|e| describe(&e))?;
    let docker = docker.negotiate_version().await.map_err(|e| describe(&e))?;
    let filters = HashMap::from([(
        "label",
        vec![
            "codex.managed=true".to_string(),
            format!("codex.stack={stack_id}"),
        ],
    )]);
    let opts = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let listed = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| describe(&e))?;
    let mut removed = Vec::new();
    for c in listed {
        let (Some(id), Some(job_id)) =
            (c.id, c.labels.and_then(|l| l.get("codex.job_id").cloned()))
        else {
            continue;
        };
        if !db.has_job(job_id).await.map_err(|e| format!("{e:#}"))? {
            continue;
        }
        let rm = RemoveContainerOptionsBuilder::new().force(true).build();
        docker
            .remove_container(&id, Some(rm))
            .await
            .map_err(|e| describe(&e))?;
        let name = c.names.and_then(|n| n.into_iter().next()).unwrap_or(id);
        removed.push(name.trim_start_matches('/').to_string());
    }
    Ok(removed)
}

fn unreachable_engine(e: bollard::errors::Error) -> RunError {
    RunError::Failed(format!(
        "cannot reach the Docker engine ({}); mount /var/run/docker.sock into the backend, \
         or use WORKER_RUNNER=process or USE_DUMMY_WORKER=True",
        describe(&e)
    ))
}

/// bollard's error text without the request body (which could hold environment values).
fn describe(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("engine answered {status_code}: {message}"),
        other => other.to_string(),
    }
}

/// Gives the workspace to `WORKER_USER` so the worker can write it; best effort (a backend
/// that is not root cannot, and then the operator must arrange the ownership).
fn chown_tree(dir: &Path, user: WorkerUser) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if let Err(e) = std::os::unix::fs::lchown(&p, Some(user.uid), user.gid) {
            tracing::warn!(path = %p.display(), error = %e, "cannot chown the workspace to WORKER_USER");
            return;
        }
        if let Ok(entries) = std::fs::read_dir(&p) {
            for entry in entries.flatten() {
                if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    stack.push(entry.path());
                } else {
                    let _ = std::os::unix::fs::lchown(entry.path(), Some(user.uid), user.gid);
                }
            }
        }
    }
}
