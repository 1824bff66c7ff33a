use super::*;
use crate::report::terminal::console::{ColorWhen, MessageFormat};
use clap::CommandFactory;

#[test]
fn cli_is_consistent_and_rejects_bad_ids() {
    Cli::command().debug_assert();
    let e = Cli::try_parse_from(["codex-live-suite", "--from", "L09"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let e = Cli::try_parse_from(["codex-live-suite", "--mocked-base-url", "http://x"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let ok = Cli::try_parse_from(["codex-live-suite", "--only", "L04"]).unwrap();
    assert!(ok.command.is_none());
    let a = ok.run;
    assert_eq!(a.only, ["L04"]);
    assert_eq!(a.stack.poll_timeout, 300);
    assert_eq!(a.long_run_seconds, 5);
    assert_eq!(a.stack.out, PathBuf::from("docs/evidence"));
    assert_eq!(a.stack.max_body, 16 << 20);
    assert_eq!(a.stack.settle_grace, 2);
    assert!(!a.stack.strict);
}

#[test]
fn bounded_client_flags_are_checked_at_once() {
    for bad in [
        &["--base-url", "not-a-url"][..],
        &["--base-url", "ftp://host:21"],
        &["--base-url", "http://h:1/api/v1"],
        &["--poll-timeout", "0"],
        &["--max-body", "12 parsecs"],
        &["--max-body", "10"],
        &["health", "--base-url", "localhost:8000"],
    ] {
        let e = Cli::try_parse_from(std::iter::once("codex-live-suite").chain(bad.iter().copied()))
            .unwrap_err();
        assert_eq!(e.exit_code(), 2, "{bad:?}");
    }
    let e = Cli::try_parse_from(["codex-live-suite", "--base-url", "not-a-url"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected http://host[:port]"), "{e}");
    for flag in ["--poll-timeout", "--health-timeout"] {
        let e = Cli::try_parse_from(["codex-live-suite", flag, "0"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be at least 1 (seconds)"), "{e}");
        assert!(!e.contains("18446744073709551615"), "{e}");
    }
    let ok = Cli::try_parse_from([
        "codex-live-suite",
        "--base-url",
        "http://127.0.0.1:8000/",
        "--max-body",
        "512KiB",
        "--poll-timeout",
        "1",
        "--strict",
    ])
    .unwrap();
    let a = ok.run;
    assert_eq!(a.stack.base_url.as_deref(), Some("http://127.0.0.1:8000"));
    assert_eq!((a.stack.max_body, a.stack.poll_timeout), (512 << 10, 1));
    assert!(a.stack.strict);
}

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_args(std::iter::once("codex-live-suite").chain(args.iter().copied()))
}

#[test]
fn scenario_ids_take_any_case_and_the_mocked_rerun() {
    let a = parse(&["--only", "l03"]).unwrap().run;
    assert_eq!(a.only, ["L03"]);
    let a = parse(&["--from", "m02"]).unwrap().run;
    assert_eq!(a.from.as_deref(), Some("M02"));
    for bad in ["L9", "M05", "ROLLBACK", "l03x"] {
        assert!(parse(&["--only", bad]).is_err(), "{bad}");
    }
}

#[test]
fn output_options_go_anywhere_and_run_options_only_with_the_run() {
    let cli = parse(&["--quiet", "list"]).unwrap();
    assert!(cli.output.quiet && matches!(cli.command, Some(Command::List)));
    let cli = parse(&["doctor", "--color", "never", "--message-format", "json"]).unwrap();
    assert_eq!(cli.output.color, ColorWhen::Never);
    assert_eq!(cli.output.message_format, MessageFormat::Json);
    let e = parse(&["--strict", "list"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("'--strict'"), "{e}");
    assert!(parse(&["--quiet", "--verbose"]).is_err());
}

#[test]
fn a_prefix_of_baseline_is_told_so() {
    // `--base` starts both --base-url and --baseline; clap names the closer one.
    let e = parse(&["--base"]).unwrap_err().to_string();
    assert!(e.contains("a similar argument exists: '--baseline'"), "{e}");
}

#[test]
fn every_option_has_its_environment_variable() {
    let cmd = Cli::command();
    let mut missing = Vec::new();
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if matches!(long, "help" | "version") {
            continue;
        }
        let want = format!("CODEX_LIVE_SUITE_{}", long.to_uppercase().replace('-', "_"));
        if arg.get_env().and_then(|e| e.to_str()) != Some(want.as_str()) {
            missing.push(want);
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn the_version_names_the_commit_in_a_checkout() {
    assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")), "{VERSION}");
    let in_git = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(out) = in_git {
        let head = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert_eq!(VERSION, format!("{} ({head})", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn only_and_skip_take_several_ids_repeated_or_comma_separated() {
    let a = Cli::try_parse_from(["codex-live-suite", "--only", "L03,l05", "--only", "M02"])
        .unwrap()
        .run;
    assert_eq!(a.only, ["L03", "L05", "M02"]);
    let a = Cli::try_parse_from(["codex-live-suite", "--skip", "l06", "--skip", "L07,M04"])
        .unwrap()
        .run;
    assert_eq!(a.skip, ["L06", "L07", "M04"]);
    let e = Cli::try_parse_from(["codex-live-suite", "--only", "L03,L99"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
}
