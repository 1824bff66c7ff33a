//! `verify` as a reviewer runs it: on the zip of a real run of the local stack, sound; on
//! copies tampered with one way each, each named with its cause, exit 1; on a zip cut
//! short, exit 2. (Every other run of these tests is verified by `support::xtask`.)

use crate::support::{local_suite, without_ambient};
use sha2::Digest as _;
use std::path::Path;
use std::process::Command;

/// A value long enough to be redacted, never a real key.
const KEY: &str = "sk-verify-it-0123456789abcdef";

/// `xtask verify ARGS` with `envs`: its exit code and its output.
fn verify(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("verify").args(args);
    without_ambient(&mut cmd);
    cmd.envs(envs.iter().copied());
    let o = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&[o.stdout, o.stderr].concat()).into_owned();
    (o.status.code().unwrap_or(-1), text)
}

/// A copy of the run folder `dir` under `into`, changed by `tamper` (given the copy).
fn tampered(dir: &Path, into: &Path, name: &str, tamper: impl FnOnce(&Path)) -> String {
    let copy = into.join(name).join(dir.file_name().unwrap());
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let ok = Command::new("cp")
        .arg("-a")
        .arg(dir)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(ok.success());
    tamper(&copy);
    copy.to_str().unwrap().to_owned()
}

/// A tampering: its name, what it does to a copy, the line `verify` must print.
type Case<'a> = (&'a str, &'a dyn Fn(&Path), &'a str);

/// Rewrites the copy's manifest as a forger who keeps the sums in step would.
fn resum(copy: &Path) {
    let manifest = copy.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    for entry in m["files"].as_array_mut().unwrap() {
        let bytes = std::fs::read(copy.join(entry["path"].as_str().unwrap())).unwrap();
        let sha: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        entry["size"] = bytes.len().into();
        entry["sha256"] = sha.into();
    }
    std::fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

#[test]
fn a_real_run_verifies_and_every_tampered_copy_is_named() {
    let out = tempfile::tempdir().unwrap();
    let run = local_suite(&[], out.path());
    run.assert_code(0);
    let zip = run.zip.to_str().unwrap();
    let record: serde_json::Value = serde_json::from_str(&run.read("run.json")).unwrap();
    let commit = record["commit"].as_str().unwrap().to_owned();

    let (code, text) = verify(&[zip, "--commit", &commit], &[("OPENAI_API_KEY", KEY)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("verify: sound: run "), "{text}");
    let (code, text) = verify(&[zip, "--commit", "0000000"], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("the run tested commit {commit}, not 0000000")),
        "{text}"
    );

    let work = tempfile::tempdir().unwrap();
    let cases: [Case; 4] = [
        (
            "edited",
            &|c| {
                let f = c.join("live/L03/files.json");
                let mut bytes = std::fs::read(&f).unwrap();
                bytes[0] ^= 0x20;
                std::fs::write(f, bytes).unwrap();
            },
            "live/L03/files.json: its sha256 is not the manifest's",
        ),
        (
            "removed",
            &|c| std::fs::remove_file(c.join("live/L04/status.txt")).unwrap(),
            "live/L04/status.txt: missing: the plan requires it of L04 (PASS)",
        ),
        (
            "added",
            &|c| std::fs::write(c.join("live/L01/extra.txt"), "x").unwrap(),
            "live/L01/extra.txt: not in the manifest: added",
        ),
        (
            "verdict",
            &|c| {
                let f = c.join("run.json");
                let text = std::fs::read_to_string(&f).unwrap();
                let forged = text.replacen("\"PASS\"", "\"FAIL\"", 1);
                assert_ne!(forged, text);
                std::fs::write(f, forged).unwrap();
                resum(c);
            },
            "junit.xml: L01 is PASS where run.json says FAIL",
        ),
    ];
    for (name, tamper, want) in cases {
        let copy = tampered(&run.run_dir, work.path(), name, tamper);
        let (code, text) = verify(&[&copy], &[]);
        assert_eq!(code, 1, "{name}: {text}");
        assert!(text.contains(want), "{name}: no «{want}» in\n{text}");
    }

    let planted = tampered(&run.run_dir, work.path(), "secret", |c| {
        std::fs::write(
            c.join("live/L01/result_excerpt.txt"),
            format!("key: {KEY}\n"),
        )
        .unwrap();
        resum(c);
    });
    let (code, text) = verify(
        &[&planted, "--secrets-from-env"],
        &[("OPENAI_API_KEY", KEY)],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("live/L01/result_excerpt.txt: holds the value of OPENAI_API_KEY"),
        "{text}"
    );
    assert!(!text.contains(KEY), "the value is printed:\n{text}");

    let cut = work.path().join("cut.zip");
    let bytes = std::fs::read(&run.zip).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (code, text) = verify(&[cut.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is not a readable zip"), "{text}");
}
