//! The product's layers: every top-level module of `suite/src` has a place in [`LAYERS`], and
//! code imports only modules below its own (tests may reach up: they assemble a run). A
//! text search over `crate::` paths, since no lint orders modules inside one crate.

use super::architecture::root;
use std::collections::BTreeSet;

/// The top-level modules of `suite/src`, lowest first: each imports only those before it.
pub const LAYERS: [&str; 15] = [
    "sys",
    "model",
    "evidence",
    "target",
    "stack",
    "reaper",
    "ladder",
    "compare",
    "verify",
    "report",
    "doctor",
    "cli",
    "commands",
    "testing",
    "test_backend",
];

/// An import that points up: `from` (in `file`) names `to`, a layer above it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Upward {
    pub from: String,
    pub to: String,
    pub file: String,
}

/// The top-level modules a text names through `crate::` (also inside `crate::{…}` groups),
/// comments and test modules aside.
pub fn named_modules(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = BTreeSet::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                out.extend(group_heads(group));
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
            rest = after;
        }
    }
    out.retain(|n| !n.is_empty() && n != "self");
    out
}

/// The first segment of each item of a `{a::b, c}` group on one line.
fn group_heads(group: &str) -> Vec<String> {
    let mut depth = 0;
    let mut heads = Vec::new();
    let mut at_item = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item = true,
            c if at_item && (c.is_ascii_alphabetic() || c == '_') => {
                let name: String = group[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                heads.push(name);
                at_item = false;
            }
            _ => {}
        }
    }
    heads
}

/// The top-level module a file of `suite/src` belongs to (`None`: the crate root files).
fn layer_of(rel: &str) -> Option<&str> {
    let inside = rel.strip_prefix("suite/src/")?;
    let head = inside.split('/').next()?;
    match head {
        "lib.rs" | "main.rs" => None,
        _ => Some(head.trim_end_matches(".rs")),
    }
}

/// Every import of `files` (path from the root, text) that points up; test files aside.
pub fn upward(files: &[(String, String)]) -> Vec<Upward> {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut found = Vec::new();
    for (rel, text) in files {
        if rel.ends_with("/tests.rs") || rel.contains("/tests/") {
            continue;
        }
        let Some(from) = layer_of(rel) else { continue };
        for to in named_modules(text) {
            if let (Some(f), Some(t)) = (rank(from), rank(&to)) {
                if t > f {
                    found.push(Upward {
                        from: from.to_owned(),
                        to,
                        file: rel.clone(),
                    });
                }
            }
        }
    }
    found.sort();
    found
}

/// The modules `suite/src/lib.rs` declares.
fn declared_modules(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)
        })
        .collect()
}

#[test]
fn every_import_of_the_product_points_down_its_layers() {
    let files = super::architecture::sources("suite/src");
    let lib = std::fs::read_to_string(root().join("suite/src/lib.rs")).unwrap();
    let declared = declared_modules(&lib);
    let placed: BTreeSet<String> = LAYERS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        declared, placed,
        "suite/src/lib.rs declares other top-level modules than docs_sync::layers::LAYERS \
         places: give a new module its layer there (and in ARCHITECTURE.md)"
    );
    let up: Vec<String> = upward(&files)
        .iter()
        .map(|u| format!("{} imports {} ({}), a layer above it", u.from, u.to, u.file))
        .collect();
    assert!(
        up.is_empty(),
        "imports that point up the layers ({}): move what is shared down, or hand it in \
         from above:\n{}",
        LAYERS.join(" < "),
        up.join("\n")
    );
}

#[test]
fn imports_are_read_from_paths_groups_and_not_from_comments_or_tests() {
    let text = "use crate::model::events::Events;\n\
                use crate::{sys::process, report::{a, b}, self};\n\
                // crate::commands in a comment\n\
                let x = crate::stack::free_port();\n\
                #[cfg(test)]\nmod tests {\n    use crate::cli;\n}\n";
    let names: Vec<String> = named_modules(text).into_iter().collect();
    assert_eq!(names, ["model", "report", "stack", "sys"]);
    let files = vec![
        ("suite/src/model/events.rs".to_owned(), text.to_owned()),
        (
            "suite/src/model/events/tests.rs".to_owned(),
            "use crate::commands;".to_owned(),
        ),
        ("suite/src/lib.rs".to_owned(), "use crate::cli;".to_owned()),
    ];
    let up = upward(&files);
    assert_eq!(
        up.iter().map(|u| u.to.as_str()).collect::<Vec<_>>(),
        ["report", "stack"]
    );
    assert!(up.iter().all(|u| u.from == "model"));
    assert_eq!(
        declared_modules("pub mod a;\nmod b;\n#[cfg(test)]\nmod c;\nuse x;"),
        ["a", "b", "c"].map(String::from).into()
    );
}
