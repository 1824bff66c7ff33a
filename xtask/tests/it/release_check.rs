//! `doctor --check-release` against a local stand-in for GitHub's "latest release" API:
//! a newer release is named with the upgrade, and without the flag doctor asks nothing.

use crate::support::release_server;
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::Ordering;

fn doctor(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("doctor").args(args).current_dir(dir.path());
    crate::support::without_ambient(&mut cmd);
    let o = cmd.output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn doctor_names_a_newer_release_only_when_asked() {
    let latest = br#"{"tag_name": "v99.0.0", "html_url": "https://example.invalid"}"#;
    let release = release_server::serve(
        BTreeMap::from([("/latest".to_owned(), latest.to_vec())]),
        None,
    );
    let url = format!("{}/latest", release.base);
    let said = doctor(&["--stack", "local"]);
    assert!(!said.contains("release:"), "{said}");
    let said = doctor(&["--stack", "local", "--releases-url", &url]);
    assert!(!said.contains("release:"), "{said}");
    assert_eq!(
        release.hits.load(Ordering::SeqCst),
        0,
        "asked without --check-release"
    );

    let said = doctor(&[
        "--stack",
        "local",
        "--check-release",
        "--releases-url",
        &url,
    ]);
    let own = env!("CARGO_PKG_VERSION");
    assert!(
        said.contains(&format!(
            "warn  release: v99.0.0 is out, this is {own}; fix: upgrade"
        )),
        "{said}"
    );
    assert_eq!(release.hits.load(Ordering::SeqCst), 1);
    // An endpoint that does not answer is a warning naming it, never a failure of doctor.
    let gone = format!("{}/gone", release.base);
    let said = doctor(&[
        "--stack",
        "local",
        "--check-release",
        "--releases-url",
        &gone,
    ]);
    assert!(
        said.contains(&format!("warn  release: could not ask {gone}: HTTP 404")),
        "{said}"
    );
}
