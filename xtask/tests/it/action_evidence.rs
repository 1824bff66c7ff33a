//! The Action's evidence step (`.github/scripts/action-evidence.sh`) as a runner runs it:
//! the zip named by its sha256 in the step's outputs and the step summary, with the
//! commands a reviewer checks it with; a run without a zip leaves both as they were.

use sha2::Digest as _;
use std::path::Path;
use std::process::Command;

/// Runs the script for `zip` with `attest`; returns its exit code, the outputs file and
/// the step summary.
fn evidence(dir: &Path, zip: &Path, attest: &str) -> (Option<i32>, String, String) {
    let (output, summary) = (dir.join("output"), dir.join("summary"));
    let o = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../.github/scripts/action-evidence.sh"
        ))
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_REPOSITORY", "owner/repo")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("SUITE_ZIP", zip)
        .env("ATTEST", attest)
        .output()
        .unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (o.status.code(), read(&output), read(&summary))
}

#[test]
fn the_zip_is_named_by_its_sha256_with_the_commands_that_check_it() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("2026-01-01T00-00-00Z.zip");
    std::fs::write(&zip, b"PK not really a zip").unwrap();
    let sha: String = sha2::Sha256::digest(std::fs::read(&zip).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (code, output, summary) = evidence(dir.path(), &zip, "true");
    assert_eq!(code, Some(0));
    assert_eq!(output, format!("sha256={sha}\n"));
    for line in [
        format!("`2026-01-01T00-00-00Z.zip`, sha256 `{sha}`."),
        "gh attestation verify <zip> --repo owner/repo".to_owned(),
        "codex-live-suite verify <zip> --commit 0123456789abcdef0123456789abcdef01234567".into(),
    ] {
        assert!(summary.contains(&line), "no «{line}» in\n{summary}");
    }
    // Not attested: no attestation to check.
    std::fs::remove_file(dir.path().join("summary")).unwrap();
    let (_, _, summary) = evidence(dir.path(), &zip, "false");
    assert!(!summary.contains("gh attestation"), "{summary}");
    assert!(
        summary.contains("codex-live-suite verify <zip>"),
        "{summary}"
    );
}

#[test]
fn a_run_without_its_zip_names_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, output, summary) = evidence(dir.path(), &dir.path().join("gone.zip"), "true");
    assert_eq!((code, output.as_str(), summary.as_str()), (Some(0), "", ""));
}
