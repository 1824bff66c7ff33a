//! Comments describe the code as it is: what and why. Which issue, which commit and how
//! fast belong to commit messages and closing notes, and go stale here. A text search: no
//! lint reads comments.

use super::architecture::root;
use std::path::Path;

/// The files whose comments are read: code, manifests, cargo, CI and stack configs.
fn tidy_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | ".git" | "evidence" | "node_modules"
                ) {
                    stack.push(path);
                }
            } else if is_tidy(&path, &name) {
                let rel = path.strip_prefix(root()).unwrap().display().to_string();
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((rel, text));
                }
            }
        }
    }
    out
}

fn is_tidy(path: &Path, name: &str) -> bool {
    let in_ci = path
        .components()
        .any(|c| matches!(c.as_os_str().to_str(), Some(".ci" | ".github" | ".cargo")));
    in_ci || name.ends_with(".rs") || name.ends_with(".toml") || name.ends_with(".py")
}

/// The comment part of a line (`//`, or `#` in TOML, YAML, shell and Python).
fn comment(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("//") {
        return Some(rest);
    }
    if let Some(i) = line.find("// ") {
        return Some(&line[i..]);
    }
    // `#!` is a shebang or an inner attribute, not a comment.
    t.strip_prefix('#').filter(|rest| !rest.starts_with('!'))
}

/// The word issue, in any case, followed by a space and a number.
fn names_an_issue(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.match_indices("issue").any(|(i, w)| {
        let rest = &lower[i + w.len()..];
        rest.strip_prefix(' ')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// A word of 7 to 40 hex digits with both a digit and a letter: a commit hash.
fn names_a_commit(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| {
        (7..=40).contains(&w.len())
            && w.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            && w.chars().any(|c| c.is_ascii_digit())
            && w.chars().any(|c| c.is_ascii_alphabetic())
    })
}

#[test]
fn comments_name_no_issue_and_no_commit() {
    let mut found = Vec::new();
    let files = tidy_files();
    assert!(files.len() > 100, "only {} files read", files.len());
    for (path, text) in &files {
        for (n, line) in text.lines().enumerate() {
            let Some(c) = comment(line) else { continue };
            if names_an_issue(c) {
                found.push(format!(
                    "{path}:{}: an issue number: {}",
                    n + 1,
                    line.trim()
                ));
            }
            if let Some(hash) = names_a_commit(c) {
                found.push(format!(
                    "{path}:{}: a commit ({hash}): {}",
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "comments describe the code as it is; history belongs in commit messages:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert!(names_an_issue(&format!(" see {} 13, item 2", "Issue")));
    assert!(!names_an_issue(" an issue with 13 parts"));
    assert_eq!(names_a_commit(" beside cce3e37 today"), Some("cce3e37"));
    assert_eq!(names_a_commit(" a facade of 1234567 bytes"), None);
    assert_eq!(comment("let x = 1; // why"), Some("// why"));
    assert_eq!(comment("#!/usr/bin/env bash"), None);
    assert_eq!(comment("  # a toml comment"), Some(" a toml comment"));
}

/// The most lines a Rust file holds: one concept per module, readable in a sitting. The
/// length of a function is clippy's `too_many_lines` (clippy.toml); no lint counts a file's.
const MAX_FILE_LINES: usize = 400;

#[test]
fn no_rust_file_is_over_the_limit() {
    let long: Vec<String> = tidy_files()
        .into_iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .filter_map(|(path, text)| {
            let n = text.lines().count();
            (n > MAX_FILE_LINES).then(|| format!("{path}: {n} lines"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by concept (at most {MAX_FILE_LINES} lines a file):\n{}",
        long.join("\n")
    );
}
