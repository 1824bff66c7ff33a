//! The version `--version` prints: the package's and, in a git checkout, its commit
//! (`0.1.0 (<short commit>)`); the version alone where git or the repository is missing (a
//! packaged crate). Nothing here uses the network.
// Cargo reads a build script's instructions from its stdout.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let full = match git(&["rev-parse", "--short", "HEAD"]) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo::rustc-env=CODEX_LIVE_SUITE_VERSION={full}");
    println!("cargo::rerun-if-changed=build.rs");
    // Rebuilt when HEAD moves: the files git reads it from (only those that exist, since a
    // missing one would rebuild every time).
    let mut watched = vec![git_path("HEAD"), git_path("packed-refs")];
    if let Some(head_ref) = git(&["rev-parse", "--symbolic-full-name", "HEAD"]) {
        watched.push(git_path(&head_ref));
    }
    for path in watched.into_iter().flatten().filter(|p| p.is_file()) {
        println!("cargo::rerun-if-changed={}", path.display());
    }
}

/// `git <args>` in the crate's folder: its trimmed output, when git ran and succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Where git keeps `name` (`HEAD`, a ref, `packed-refs`), absolute.
fn git_path(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(git(&["rev-parse", "--git-path", name])?);
    Some(if path.is_absolute() {
        path
    } else {
        manifest_dir().join(path)
    })
}

fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| Path::new(".").to_owned(), PathBuf::from)
}
