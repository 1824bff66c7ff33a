//! ARCHITECTURE.md stays true: every path it names exists, every test it names as the
//! keeper of an invariant exists, and the invariants that a text search can check hold.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const CRATES: [&str; 6] = ["suite", "xtask", "backend", "worker", "contract", "fsutil"];

/// Every `.rs` file under `dir`, as (path relative to the root, text).
pub fn sources(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(root()).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out
}

/// A code span names a path when it ends in a known extension or `/`.
fn is_path(span: &str) -> bool {
    !span.contains(' ')
        && !span.starts_with('.')
        && !span.contains('<')
        && [".rs", ".md", ".toml", ".yml", "/"]
            .iter()
            .any(|e| span.ends_with(e))
}

/// Exists from the root, from a crate's `src/`, or from one of its folders (`html/…`).
fn exists(span: &str) -> bool {
    let r = root();
    let mut bases = vec![r.clone()];
    for c in CRATES {
        let src = r.join(c).join("src");
        bases.push(src.clone());
        for e in std::fs::read_dir(&src).unwrap().flatten() {
            if e.path().is_dir() {
                bases.push(e.path());
            }
        }
    }
    bases.iter().any(|b| b.join(span).exists())
}

fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[test]
fn architecture_md_names_only_paths_and_tests_that_exist() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let all: Vec<(String, String)> = CRATES
        .iter()
        .flat_map(|c| {
            let mut v = sources(&format!("{c}/src"));
            if root().join(c).join("tests").is_dir() {
                v.extend(sources(&format!("{c}/tests")));
            }
            v
        })
        .collect();
    let mut missing = Vec::new();
    let mut checked = 0;
    for span in code_spans(&text) {
        if is_path(span) {
            checked += 1;
            if !exists(span) {
                missing.push(format!("path {span}"));
            }
        } else if let Some((_, name)) = span.rsplit_once("::") {
            // `module::a_test_name`: a keeper named by its test function.
            if name.matches('_').count() >= 3 && !name.contains('(') {
                checked += 1;
                let decl = format!("fn {name}(");
                if !all.iter().any(|(_, t)| t.contains(&decl)) {
                    missing.push(format!("test {span}"));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} names checked: is the parser broken?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names what does not exist (fix the document or the code): {missing:?}"
    );
}

/// A text search: no lint forbids a module of the standard library in one crate.
#[test]
fn contract_does_no_io() {
    for (path, text) in sources("contract/src") {
        for io in ["std::fs", "std::io", "std::net", "std::process", "std::env"] {
            assert!(!text.contains(io), "{path} uses {io}: contract does no I/O");
        }
    }
}

/// The product names nothing of this repository's automation: no file under `suite/`
/// (code, comments, names, fixtures) says xtask, so the product reads the same to every
/// adopter. A text search.
#[test]
fn no_file_of_the_product_names_the_xtask() {
    let mut found = Vec::new();
    let mut dirs = vec![root().join("suite")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(root()).unwrap().display().to_string();
                found.extend(
                    text.lines()
                        .enumerate()
                        .filter(|(_, line)| line.to_lowercase().contains("xtask"))
                        .map(|(n, line)| format!("{rel}:{}: {}", n + 1, line.trim())),
                );
            }
        }
    }
    assert!(
        found.is_empty(),
        "the product names this repository's xtask: say what it means for any adopter:\n{}",
        found.join("\n")
    );
}

/// The product knows nothing of this repository: no crate of our twin is among its
/// dependencies (a crate boundary keeps the imports; this keeps `Cargo.toml` honest).
#[test]
fn the_product_depends_on_no_crate_of_our_twin() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "codex-live-suite",
            "-e",
            "normal,build",
        ])
        .args(["--prefix", "none", "--format", "{p}"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(tree.contains("codex-live-suite"), "{tree}");
    for ours in ["codex-backend", "codex-worker", "codex-fsutil", "xtask"] {
        assert!(
            !tree.lines().any(|l| l.starts_with(&format!("{ours} "))),
            "codex-live-suite depends on {ours}:\n{tree}"
        );
    }
}
