//! The paths that source comments cite exist: a comment that points the reader at a file
//! (`suite/src/stack/docker/project.rs`, `docs/DEV_GUIDE.md`) goes stale silently when the file
//! moves. A text search: no lint reads comments.

use super::architecture::{root, sources};
use std::path::{Path, PathBuf};

/// The crates whose comments are read, each with its `src/` and `tests/`.
const CRATES: [&str; 7] = [
    "suite",
    "xtask",
    "backend",
    "worker",
    "contract",
    "fsutil",
    "test-support",
];

/// A code span cites a file of the repository when it names a Rust or markdown file, or a
/// TOML or YAML file by a path with a folder (`live-suite.toml` alone is a user's file).
pub fn cites_a_file(span: &str) -> bool {
    if span.contains([' ', '<', '*', '{']) || span.starts_with(['.', '/']) {
        return false;
    }
    span.ends_with(".rs")
        || span.ends_with(".md")
        || (span.contains('/') && (span.ends_with(".toml") || span.ends_with(".yml")))
}

/// Where a citation in `file` (from the root) may start: the file's own module folder and
/// the folders above it up to its crate, the crate's `src/` folders one level down, the
/// crate and the repository root.
fn bases(file: &Path) -> Vec<PathBuf> {
    let r = root();
    let krate = file.components().next().map(|c| r.join(c.as_os_str()));
    let mut out = vec![r.join(file.with_extension(""))];
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| d.components().count() > 0) {
        out.push(r.join(d));
        dir = d.parent();
    }
    if let Some(krate) = krate {
        let src = krate.join("src");
        if let Ok(entries) = std::fs::read_dir(&src) {
            out.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
        }
        out.push(krate);
    }
    out.push(r);
    out
}

/// Where the comment of a line starts: the first `//` outside a string literal (an even
/// number of quotes before it).
fn comment_start(line: &str) -> Option<usize> {
    line.match_indices("//")
        .map(|(i, _)| i)
        .find(|&i| line[..i].matches('"').count().is_multiple_of(2))
}

/// Every citation in the comments of `files` that names no existing file, as `file:line: span`.
pub fn missing(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let bases = bases(Path::new(rel));
        for (n, line) in text.lines().enumerate() {
            let Some(i) = comment_start(line) else {
                continue;
            };
            for span in line[i..].split('`').skip(1).step_by(2) {
                if cites_a_file(span) && !bases.iter().any(|b| b.join(span).exists()) {
                    out.push(format!("{rel}:{}: {span}", n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn source_comments_cite_only_files_that_exist() {
    let files: Vec<(String, String)> = CRATES
        .iter()
        .flat_map(|c| [format!("{c}/src"), format!("{c}/tests")])
        .filter(|dir| root().join(dir).is_dir())
        .flat_map(|dir| sources(&dir))
        .collect();
    assert!(files.len() > 100, "only {} files read", files.len());
    let gone = missing(&files);
    assert!(
        gone.is_empty(),
        "comments cite files that do not exist (fix the path, relative to the file's folder, \
         its crate's src/ or the root):\n{}",
        gone.join("\n")
    );
}

#[test]
fn citations_are_files_of_the_repository_not_run_folders_or_user_files() {
    for cited in [
        "stack/process.rs",
        "docs/DEV_GUIDE.md",
        "stacks/local.toml",
        "x.rs",
    ] {
        assert!(cites_a_file(cited), "{cited}");
    }
    for not in [
        "live-suite.toml",
        "attempt-1/",
        "/projects/",
        "<run id>/x.rs",
        ".env.live",
    ] {
        assert!(!cites_a_file(not), "{not}");
    }
    let files = vec![(
        "suite/src/stack/docker/compose.rs".to_owned(),
        "//! (`project.rs`, `stack/process.rs`, `gone.rs`)\nlet x = 1; // `model/gone.rs`\n\
         let s = \"// `not/a/comment.rs`\";\n"
            .to_owned(),
    )];
    assert_eq!(
        missing(&files),
        [
            "suite/src/stack/docker/compose.rs:1: gone.rs",
            "suite/src/stack/docker/compose.rs:2: model/gone.rs"
        ]
    );
}
