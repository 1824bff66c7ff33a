use super::*;
use crate::model::secrets::Secrets;

#[test]
fn run_folders_have_no_colons_and_never_collide() {
    let out = tempfile::tempdir().unwrap();
    let a = Evidence::create(out.path(), Redactor::default()).unwrap();
    let b = Evidence::create(out.path(), Redactor::default()).unwrap();
    let c = Evidence::create(out.path(), Redactor::default()).unwrap();
    for e in [&a, &b, &c] {
        assert!(!e.run_id.contains(':'), "{}", e.run_id);
        assert!(e.dir.is_dir());
    }
    assert!(a.run_id != b.run_id && b.run_id != c.run_id && a.run_id != c.run_id);
    // 2025-11-14T17-14-05Z
    let id = &a.run_id[..20];
    assert_eq!(id.len(), 20);
    assert!(id.ends_with('Z') && id.as_bytes()[10] == b'T' && id.as_bytes()[13] == b'-');
}

#[test]
fn writes_are_redacted_and_leaks_name_the_variable_and_file() {
    let out = tempfile::tempdir().unwrap();
    let secrets = Secrets::from_lookup(|n| (n == "OPENAI_ORG_ID").then(|| "org-PLANTED-42".into()));
    let ev = Evidence::create(out.path(), secrets.redactor()).unwrap();
    let mut f = ev.folder("live/L01");
    f.write_json("result.json", r#"{"logs":["org=org-PLANTED-42"]}"#)
        .unwrap();
    f.write("status.txt", "200\n").unwrap();
    assert_eq!(
        f.leaks,
        [Leak {
            var: "OPENAI_ORG_ID",
            file: "live/L01/result.json".into()
        }]
    );
    assert!(
        f.leaks[0].to_string().contains("OPENAI_ORG_ID")
            && f.leaks[0].to_string().contains("live/L01/result.json")
    );
    let text = std::fs::read_to_string(ev.dir.join("live/L01/result.json")).unwrap();
    assert!(!text.contains("PLANTED") && text.contains("[REDACTED]"));
    ev.write_manifest().unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ev.dir.join("manifest.json")).unwrap())
            .unwrap();
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], "live/L01/result.json");
    assert_eq!(files[1]["size"], 4);
    assert_eq!(files[1]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn a_symlink_at_a_file_or_the_zip_path_is_refused_and_its_target_untouched() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let ev = Evidence::create(out.path(), Redactor::default()).unwrap();
    std::os::unix::fs::symlink(&target, ev.dir.join("summary.txt")).unwrap();
    let err = format!("{:#}", ev.write("summary.txt", "x").unwrap_err());
    assert!(
        err.contains("summary.txt") && err.contains("symlink"),
        "{err}"
    );
    std::os::unix::fs::symlink(&target, ev.dir.join("events.jsonl")).unwrap();
    assert!(ev.append("events.jsonl", "x").is_err());
    std::fs::create_dir(ev.dir.join("live")).unwrap();
    std::os::unix::fs::symlink(out.path(), ev.dir.join("live/L01")).unwrap();
    let mut f = ev.folder("live/L01");
    assert!(f.write("precious.txt", "x").is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    // A rewrite replaces a plain file.
    ev.write("junit.xml", "a").unwrap();
    ev.write("junit.xml", "b").unwrap();
    assert_eq!(
        std::fs::read_to_string(ev.dir.join("junit.xml")).unwrap(),
        "b"
    );
}

#[test]
fn a_link_at_the_next_run_folder_or_zip_is_a_setup_error_naming_it() {
    let out = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    // The next few seconds' names, so that the test does not race the clock.
    let now = SystemTime::now();
    let next: Vec<String> = (0..5)
        .map(|s| timestamp_id(now + std::time::Duration::from_secs(s)))
        .collect();
    for id in &next {
        let _ = std::os::unix::fs::symlink(elsewhere.path(), out.path().join(id));
    }
    let err = format!(
        "{:#}",
        Evidence::create(out.path(), Redactor::default())
            .err()
            .unwrap()
    );
    assert!(err.contains("is not a folder"), "{err}");
    for id in &next {
        std::fs::remove_file(out.path().join(id)).unwrap();
        let _ = std::os::unix::fs::symlink(elsewhere.path(), out.path().join(format!("{id}.zip")));
    }
    let err = format!(
        "{:#}",
        Evidence::create(out.path(), Redactor::default())
            .err()
            .unwrap()
    );
    assert!(err.contains(".zip already exists"), "{err}");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn on_a_shared_out_the_run_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let out = tempfile::tempdir().unwrap();
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let ev = Evidence::create(out.path(), Redactor::default()).unwrap();
    let mode = std::fs::metadata(&ev.dir).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn an_earlier_runs_zip_of_the_same_second_moves_the_run_to_the_next_name() {
    let out = tempfile::tempdir().unwrap();
    let first = Evidence::create(out.path(), Redactor::default()).unwrap();
    std::fs::write(out.path().join(format!("{}.zip", first.run_id)), b"zip").unwrap();
    // The run folder may be gone (kept only the zip); the zip alone still claims the name.
    std::fs::remove_dir(&first.dir).unwrap();
    let second = Evidence::create(out.path(), Redactor::default()).unwrap();
    assert_ne!(
        second.run_id, first.run_id,
        "the zip's name is never reused"
    );
}
