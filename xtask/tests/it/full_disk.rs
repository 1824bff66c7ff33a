//! A disk that fills up once the ladders ran (a small tmpfs as `--out`, filled when the
//! mocked rerun's summary appears, the xtask stopped meanwhile): the run is not a "setup error" but exit 3 naming the
//! report that could not be written and why, and junit.xml never says the run passed.
//! Mounting needs root: without it the test says so and passes.

use crate::support::timed::{run_folder, timed, Limits};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmpfs of `size` mounted on a temporary folder, unmounted on drop.
struct Tmpfs(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.path().to_owned(), dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Takes every free byte of the file system of `dir` but `keep`.
fn fill(dir: &Path, keep: u64) {
    let filler = std::fs::File::create(dir.join("filler")).unwrap();
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: statvfs into a zeroed struct; fallocate on a file we own.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        assert_eq!(libc::statvfs(c.as_ptr(), &mut st), 0);
        let free = st.f_bavail * st.f_frsize;
        let len = free.saturating_sub(keep) as libc::off_t;
        libc::fallocate(filler.as_raw_fd(), 0, 0, len);
    }
}

/// Waits for the mocked rerun's summary (the ladders' last file), stops the xtask there,
/// fills the disk but `keep` bytes, and lets it go on to its reports.
fn fill_once_the_ladders_ran(out: &Path, xtask: i32, keep: u64) {
    let start = Instant::now();
    let mut summary = None;
    while start.elapsed() < Duration::from_secs(280) {
        summary = summary.or_else(|| Some(run_folder(out)?.join("mocked/RERUN/summary.txt")));
        if summary.as_ref().is_some_and(|s| s.exists()) {
            // SAFETY: kill(2) on the xtask this test started.
            unsafe { libc::kill(xtask, libc::SIGSTOP) };
            fill(out, keep);
            unsafe { libc::kill(xtask, libc::SIGCONT) };
            return;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn a_disk_full_after_the_ladders_is_exit_3_naming_the_report_and_junit_never_says_passed() {
    for keep in [0, 48 << 10] {
        let Some(fs) = Tmpfs::mount("64m") else {
            println!("skipped: cannot mount a tmpfs (not root?)");
            return;
        };
        let out = fs.0.clone();
        let args = [
            "live-suite",
            "--stack",
            "local",
            "--long-run-seconds",
            "1",
            "--out",
            out.to_str().unwrap(),
        ];
        let watched = out.clone();
        let r = timed(
            &args,
            &out,
            Limits::default(),
            Duration::from_secs(300),
            move |pid| {
                std::thread::spawn(move || fill_once_the_ladders_ran(&watched, pid as i32, keep));
            },
        );
        r.assert_code(3);
        assert!(
            r.stderr.contains(
                "report error (exit 3): the run finished but a report could not \
                               be written"
            ) && r.stderr.contains("No space left on device")
                && !r.stderr.contains("setup error"),
            "keep {keep}: {}",
            r.stderr
        );
        assert!(
            r.stdout.contains("exit 3: the run finished"),
            "{}",
            r.stdout
        );
        let run_dir = run_folder(&out).expect("a run folder");
        if let Ok(junit) = std::fs::read_to_string(run_dir.join("junit.xml")) {
            assert!(
                junit.contains("<testsuite name=\"reports\"") && junit.contains("No space left"),
                "keep {keep}: a junit.xml that does not name the missing report:\n{junit}"
            );
        }
        drop(fs);
    }
}
