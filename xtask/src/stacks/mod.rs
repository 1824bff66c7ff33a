//! Our stacks: the backend of this repository as a child process (`local.rs`) or as our
//! compose file with the images this repository builds; the developer's stack of `up`,
//! `down` and `logs` (`dev.rs`). `Ours` hands them to the suite as its `Launcher`.

pub mod dev;
pub mod local;

use crate::images::{self, ImageTags};
use anyhow::Result;
use codex_live_suite::docker;
use codex_live_suite::docker::{CallerImages, ComposeStack};
use codex_live_suite::SuiteConfig;
use codex_live_suite::{
    ConfigLauncher, Docker, Launcher, Request, Stack, StackOptions, StackOwner,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// `--stack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StackKind {
    /// The backend as a child process with the process runner (no Docker).
    Local,
    /// docker compose: backend container, one worker container per job.
    Compose,
}

/// The suite's launcher in this repository: `--stack` and our stacks, or the compose stack
/// a `live-suite.toml` at the root (or `--config`) describes.
pub struct Ours {
    stack: Option<StackKind>,
}

impl Ours {
    pub fn new(choice: crate::cli::StackChoice) -> Self {
        Ours {
            stack: choice.stack,
        }
    }
}

/// Our compose file as the suite's compose stack, relative to the repository root.
pub const COMPOSE_CONFIG: &str = "stacks/compose.toml";

/// Whether `config` is one of our own stacks (then our images run it), not a
/// `live-suite.toml` of another shape.
fn is_ours(config: &SuiteConfig) -> bool {
    let ours = crate::project_root().join(COMPOSE_CONFIG);
    config.source.as_ref().is_none_or(|s| *s == ours)
}

impl Launcher for Ours {
    fn config(&self, asked: &Request) -> Result<SuiteConfig> {
        let root = crate::project_root();
        if asked.base_url.is_some() {
            return Ok(SuiteConfig::defaults(&root));
        }
        if self.stack == Some(StackKind::Local) {
            if let Some(file) = asked.config {
                anyhow::bail!(
                    "--config {} describes a stack of its own, but --stack local runs our \
                     backend as a process; fix: drop --stack local (or --config)",
                    file.display()
                );
            }
            // `local::start` reads stacks/local.toml once the binaries are built.
            return Ok(SuiteConfig::defaults(&root));
        }
        let default = root.join(COMPOSE_CONFIG);
        let explicit = asked.config.or_else(|| {
            (!root
                .join(codex_live_suite::suite_config::FILE_NAME)
                .is_file())
            .then_some(default.as_path())
        });
        SuiteConfig::load(&root, explicit)
    }

    fn start(&self, opts: &StackOptions) -> Result<Box<dyn Stack>> {
        if !is_ours(&opts.config) && self.stack.is_none() {
            // Another shape (a live-suite.toml): the suite starts what it describes.
            let root = crate::project_root();
            let path = std::env::var_os("PATH");
            return ConfigLauncher { dir: root, path }.start(opts);
        }
        let (kind, why) = {
            let requested = self.stack;
            let (kind, why) = choose(requested);
            match cold_compose_fallback(requested, kind) {
                Some(fallback) => (StackKind::Local, fallback),
                None => (kind, why),
            }
        };
        opts.announce(&format!("{} ({why})", format!("{kind:?}").to_lowercase()));
        start(kind, opts)
    }

    fn commit_dir(&self, _config: &SuiteConfig) -> PathBuf {
        crate::project_root()
    }

    /// `--stack compose` needs Docker, `--stack local` does not; by default our compose
    /// stack is used when Docker answers and the local one otherwise.
    fn docker(&self, config: &SuiteConfig) -> Docker {
        match self.stack {
            Some(StackKind::Compose) => Docker::Required,
            Some(StackKind::Local) => Docker::Unused,
            None if is_ours(config) => {
                Docker::Optional("without it runs use the local stack".into())
            }
            None if config.is_compose() => Docker::Required,
            None => Docker::Unused,
        }
    }
}

/// `--stack` given, or the default: compose when a Docker engine answers, else local.
/// Returns the choice and the reason, printed first.
pub fn choose(requested: Option<StackKind>) -> (StackKind, String) {
    match requested {
        Some(k) => (k, "chosen with --stack".into()),
        None => match docker::probe_engine() {
            Ok(version) => (
                StackKind::Compose,
                format!("Docker engine {version} answers (default)"),
            ),
            Err(why) => (StackKind::Local, format!("{why} (default without Docker)")),
        },
    }
}

/// Starts the chosen stack in `opts.mode` and waits until it is healthy. Our compose stack
/// runs the images this repository builds (`images`); a `live-suite.toml` stack its own.
pub fn start(kind: StackKind, opts: &StackOptions) -> Result<Box<dyn Stack>> {
    Ok(match kind {
        StackKind::Local => Box::new(local::start(opts)?),
        StackKind::Compose if is_ours(&opts.config) => {
            let opts = StackOptions {
                images: Some(our_images(&opts.owner)),
                ..opts.clone()
            };
            Box::new(ComposeStack::start(&opts)?)
        }
        StackKind::Compose => Box::new(ComposeStack::start(opts)?),
    })
}

/// Our two images for a compose stack: a run's own tags (removed with its stack), or
/// `:latest` for a named (the developer's) stack.
fn our_images(owner: &StackOwner) -> CallerImages {
    let named = matches!(owner, StackOwner::Developer { .. });
    let tags = move |project: &str| {
        if named {
            ImageTags::latest()
        } else {
            ImageTags::for_run(project)
        }
    };
    CallerImages {
        build: Arc::new(move |project, events| {
            let tags = tags(project);
            let t = Instant::now();
            events.line("compose: building the static binaries (cargo) and both images");
            images::build_images(&crate::project_root(), &tags)?;
            events.line(format!(
                "compose: images built in {:.1}s: {}",
                t.elapsed().as_secs_f64(),
                images::image_sizes_line(&tags)
            ));
            Ok(tags.compose_env())
        }),
        remove: Arc::new(move |project| tags(project).remove()),
    }
}

/// A suite run's default (no `--stack`) on a machine whose compose images were never built:
/// the local stack now, instead of a cold static build of both images first (about a minute
/// on 2 cores). `Some(reason)` when the run should fall back.
pub fn cold_compose_fallback(requested: Option<StackKind>, chosen: StackKind) -> Option<String> {
    let built = || images::static_binaries_exist(&crate::project_root());
    falls_back(requested, chosen, built).then(|| {
        "a Docker engine answers, but the compose images were never built here and would \
         need a cold static build first (about a minute on 2 cores): this run uses the local \
         stack; `--stack compose` forces compose (later runs default to it once built)"
            .to_owned()
    })
}

/// Only a default choice of compose falls back, and only while the images were never built.
fn falls_back(
    requested: Option<StackKind>,
    chosen: StackKind,
    images_built: impl FnOnce() -> bool,
) -> bool {
    requested.is_none() && chosen == StackKind::Compose && !images_built()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_default_compose_choice_without_images_falls_back_to_local() {
        assert!(falls_back(None, StackKind::Compose, || false));
        assert!(!falls_back(None, StackKind::Compose, || true));
        let forced = Some(StackKind::Compose);
        assert!(
            !falls_back(forced, StackKind::Compose, || false),
            "--stack compose forces it"
        );
        assert!(!falls_back(None, StackKind::Local, || false));
    }
}
