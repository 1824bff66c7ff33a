//! Docs generated from code and checked by a test (rust-analyzer's `ensure_file_contents`):
//! the scenario tables of README.md and docs/DEV_GUIDE.md come from `LADDER`, `ROLLBACK` and
//! `SMOKE`, the README's option table from clap. Each lives between marker comments
//! (`<!-- scenarios:start -->` … `<!-- scenarios:end -->`); a test regenerates it and, when
//! the committed text differs, writes the new text and fails, telling the developer to
//! commit it.

mod architecture;
mod cited;
mod layers;
mod lockfile;
mod tidy;

use crate::cli::Cli;
use crate::commands::list::all_scenarios;
use clap::{ArgAction, CommandFactory};
use codex_live_suite::{live, Scenario};
use std::path::Path;

/// `| id | scenario | passes when |` for `scenarios`.
fn scenario_table<'a>(scenarios: impl Iterator<Item = &'a Scenario>) -> String {
    let mut t = String::from("| id | scenario | passes when |\n|---|---|---|\n");
    for s in scenarios {
        t.push_str(&format!(
            "| {} | {} | {} |\n",
            s.id,
            cell(s.title),
            cell(&codex_live_suite::one_line(s.acceptance))
        ));
    }
    t
}

/// `| option | default | environment | meaning |` of `cargo xtask <command>` (the global
/// output options of `cargo xtask` itself with `None`), from clap.
fn option_table(command: Option<&str>) -> String {
    let cli = Cli::command();
    let cmd = match command {
        Some(name) => cli
            .find_subcommand(name)
            .unwrap_or_else(|| panic!("no subcommand {name}")),
        None => &cli,
    };
    let mut t = String::from("| option | default | environment | meaning |\n|---|---|---|---|\n");
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if matches!(arg.get_action(), ArgAction::Help | ArgAction::Version) {
            continue;
        }
        let short = arg
            .get_short()
            .map(|s| format!("-{s}, "))
            .unwrap_or_default();
        let flag = matches!(arg.get_action(), ArgAction::SetTrue);
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_owned())
            .collect();
        let option = if flag {
            format!("{short}--{long}")
        } else {
            // A short choice reads best spelled out (`--stack local|compose`), a long one by
            // its value name (`--from ID`).
            let name = match arg.get_value_names().and_then(|n| n.first()) {
                _ if (1..=3).contains(&values.len()) => values.join("|"),
                Some(name) => name.to_string(),
                None => long.to_uppercase(),
            };
            format!("--{long} {name}")
        };
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect();
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let env = arg
            .get_env()
            .map(|e| format!("`{}`", e.to_string_lossy()))
            .unwrap_or_default();
        t.push_str(&format!(
            "| `{}` | {} | {env} | {} |\n",
            cell(&option),
            if flag {
                String::new()
            } else {
                default.join(", ")
            },
            cell(&codex_live_suite::one_line(&help))
        ));
    }
    t
}

/// Escapes a markdown table cell's column separator and what would read as HTML.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Replaces what lies between `<!-- {name}:start -->` and `<!-- {name}:end -->` with
/// `generated`, indented like the start marker.
fn splice(text: &str, name: &str, generated: &str) -> String {
    let start = format!("<!-- {name}:start -->");
    let end = format!("<!-- {name}:end -->");
    let i = text
        .find(&start)
        .unwrap_or_else(|| panic!("marker {start} missing"));
    let j = text[i..]
        .find(&end)
        .unwrap_or_else(|| panic!("marker {end} missing"))
        + i;
    let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
    let indent = &text[line_start..i];
    let body: String = generated
        .lines()
        .map(|l| format!("{indent}{l}\n"))
        .collect();
    format!("{}\n{body}{indent}{}", &text[..i + start.len()], &text[j..])
}

/// rust-analyzer's `ensure_file_contents`: a file that differs is rewritten, and the test
/// fails so that the new text gets committed.
fn ensure_file_contents(path: &Path, contents: &str) {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    if old == contents {
        return;
    }
    std::fs::write(path, contents).unwrap();
    panic!(
        "{} was not up to date with the code and has been updated: review and commit it",
        path.display()
    );
}

#[test]
fn readme_and_dev_guide_tables_follow_the_code() {
    let root = crate::project_root();
    let readme = root.join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let text = splice(&text, "scenarios", &scenario_table(live::LADDER.iter()));
    let text = splice(
        &text,
        "live-suite-options",
        &option_table(Some("live-suite")),
    );
    let text = splice(&text, "output-options", &option_table(None));
    let guide = root.join("docs/DEV_GUIDE.md");
    let guide_text = splice(
        &std::fs::read_to_string(&guide).unwrap(),
        "scenarios",
        &scenario_table(all_scenarios()),
    );
    ensure_file_contents(&readme, &text);
    ensure_file_contents(&guide, &guide_text);
}

#[test]
fn a_changed_acceptance_shows_in_the_generated_table() {
    let table = scenario_table(live::LADDER.iter());
    assert!(table.contains("| L01 | Worker Environment Presence | result.json logs include"));
    assert!(table.contains("present\\|absent"), "{table}");
    let spliced = splice(
        "a\n  <!-- x:start -->\n  old\n  <!-- x:end -->\nb",
        "x",
        "new\n",
    );
    assert_eq!(spliced, "a\n  <!-- x:start -->\n  new\n  <!-- x:end -->\nb");
}
