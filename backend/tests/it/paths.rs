//! Path safety of `GET /{project_id}/files/{path}` in-process (URIs reach the router as written, `../` and all): unsafe paths answer 400,
//! safe missing paths 404, and the listing never follows a symlink out of the workspace.

use crate::app::App;

#[tokio::test]
async fn unsafe_paths_answer_400_and_the_listing_stays_inside() {
    let s = App::mocked().await;
    let pid = s.create_project("make a cli").await;
    s.wait_job(&pid, &s.initial_job(&pid).await).await;
    let ws = s.workspace(&pid);

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "top secret").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), ws.join("escape.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), ws.join("outdir")).unwrap();
    std::os::unix::fs::symlink("app.py", ws.join("alias.py")).unwrap();

    let base = format!("/api/v1/{pid}/files/");
    let unsafe_paths: [&str; 15] = [
        "%2e%2e%2F%2e%2e%2Fetc%2Fpasswd", // percent-encoded ../../etc/passwd
        "%2e%2e%2fapp.py",                // lower-case encoding
        "../../../etc/passwd",            // raw, unnormalized by our client
        "tests/../../x",                  // .. in the middle
        "%2Fetc%2Fpasswd",                // absolute (encoded /)
        "/etc/passwd",                    // absolute (double slash on the wire)
        "C:%5CWindows%5Cwin.ini",         // drive letter + backslashes
        "C:/Windows/win.ini",             // drive letter
        "%5C%5Cserver%5Cshare%5Cx",       // UNC
        "app.py%00.txt",                  // NUL byte
        "%ff%fe",                         // not UTF-8 after decoding
        &"a/".repeat(2500),               // over PATH_MAX (5000 bytes)
        &"n".repeat(256),                 // a name over NAME_MAX
        "escape.txt",                     // symlink to a file outside
        "outdir/secret.txt",              // through a symlinked directory outside
    ];
    for raw in unsafe_paths {
        let b = s
            .get(&format!("{base}{raw}"))
            .await
            .assert_error(400, "bad_request");
        assert!(!b.to_string().contains("top secret"), "{raw}: {b}");
        assert_eq!(b["detail"], "Invalid path", "{raw}: {b}");
    }

    // Safe paths: inside symlinks work, missing ones are 404, double-encoding decodes once.
    let r = s.get(&format!("{base}alias.py")).await.json();
    assert!(r["contents"].as_str().unwrap().contains("def fibonacci"));
    s.get(&format!("{base}%252e%252e%252Fetc"))
        .await
        .assert_error(404, "not_found");
    s.get(&format!("{base}nope.py"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(
        s.get(&format!("{base}./tests/test_cli.py")).await.status,
        200
    );

    let files = s.list_files(&pid).await;
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"alias.py"), "{paths:?}");
    for leaked in ["escape.txt", "outdir/secret.txt", "outdir"] {
        assert!(!paths.contains(&leaked), "{leaked} listed: {paths:?}");
    }
    assert!(paths
        .iter()
        .all(|p| !p.starts_with('/') && !p.contains('\\')));
}
