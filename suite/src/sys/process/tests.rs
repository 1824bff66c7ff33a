use super::*;

#[test]
fn a_folder_a_killed_group_was_filling_is_removed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data");
    std::fs::create_dir(&folder).unwrap();
    // Two writers that never stop creating folders and files in it.
    let script = "i=0; while :; do i=$((i+1)); mkdir -p \"$1/d$i\"; echo x > \"$1/d$i/f\"; done";
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("{script} & {script}"), "sh"])
        .arg(&folder);
    let mut child = spawn_grouped(&mut cmd, Tether::DiesWithParent).unwrap();
    while std::fs::read_dir(&folder).unwrap().count() < 50 {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!exited(child.id()));
    kill_group_and_wait(child.id(), Duration::from_secs(5));
    // Exited and still ours to reap.
    assert!(exited(child.id()));
    remove_written_folder(&folder, Duration::from_secs(5)).unwrap();
    assert!(!folder.exists());
    // Gone already is not an error.
    remove_written_folder(&folder, Duration::from_secs(5)).unwrap();
    assert!(child.try_wait().unwrap().is_some());
}

#[test]
fn a_child_that_answers_in_time_gives_its_output_and_a_hung_one_is_stopped() {
    let mut echo = Command::new("sh");
    echo.args(["-c", "echo out; echo err >&2"]);
    let out = output_within(echo, Duration::from_secs(10))
        .unwrap()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    // More than a pipe holds (64 KiB) does not block it.
    let mut big = Command::new("head");
    big.args(["-c", "1000000", "/dev/zero"]);
    let out = output_within(big, Duration::from_secs(10))
        .unwrap()
        .unwrap();
    assert_eq!(out.stdout.len(), 1_000_000);
    let mut hang = Command::new("sleep");
    hang.arg("30");
    let start = Instant::now();
    assert!(output_within(hang, Duration::from_millis(200))
        .unwrap()
        .is_none());
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_streamed_child_hands_over_lines_and_its_group_dies_with_the_timeout() {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "echo one; echo two >&2; head -c 40000 /dev/zero | tr '\\0' x; echo; sleep 30 & echo $! ; wait"]);
    let mut lines = Vec::new();
    let start = Instant::now();
    let ended = run_streamed(cmd, Duration::from_millis(800), |l| {
        lines.push(String::from_utf8_lossy(l).into_owned())
    })
    .unwrap();
    assert!(matches!(ended, Ended::TimedOut), "{ended:?}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(lines[..2], ["one", "two"]);
    assert!(lines[2].len() < MAX_LINE + 64 && lines[2].ends_with("longer than 16 KiB]"));
    let sleeper: i32 = lines[3].parse().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: kill(2) with signal 0 only asks whether the pid exists.
    let alive = unsafe { libc::kill(sleeper, 0) } == 0
        && std::fs::read_to_string(format!("/proc/{sleeper}/stat"))
            .is_ok_and(|s| !s.contains(") Z "));
    assert!(!alive, "the group's sleep {sleeper} outlived the timeout");

    let mut exit = Command::new("sh");
    exit.args(["-c", "echo done; exit 3"]);
    let mut seen = Vec::new();
    let ended = run_streamed(exit, Duration::from_secs(30), |l| seen.push(l.to_vec())).unwrap();
    assert!(
        matches!(ended, Ended::Exited(s) if s.code() == Some(3)),
        "{ended:?}"
    );
    assert_eq!(seen, [b"done".to_vec()]);
}
