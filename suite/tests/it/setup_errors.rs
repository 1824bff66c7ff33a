//! A folder whose stack cannot start: `doctor` says so (exit 2) with the same words the run
//! stops with at once (exit 2), before it creates anything.

use crate::support::{suite, text};

/// A folder with `config` as its live-suite.toml (none when empty), and the words both
/// `doctor` and the run must say.
const CASES: [(&str, &str); 4] = [
    (
        "",
        "nothing describes a stack to run here: no live-suite.toml and no docker-compose.yml",
    ),
    (
        "[process]\ncommand = [\"codex-no-such-backend\", \"--port\", \"{port}\"]\n",
        "runs \"codex-no-such-backend\", which is not on PATH",
    ),
    (
        "[process]\ncommand = [\"sh\", \"-c\", \"sleep 30\"]\n",
        "`[process]` never names {port}",
    ),
    (
        "compose_files = [\"missing.yml\"]\nservice = \"api\"\n",
        "missing.yml",
    ),
];

#[test]
fn doctor_and_the_run_agree_on_a_stack_that_cannot_start() {
    for (config, words) in CASES {
        let dir = tempfile::tempdir().unwrap();
        if !config.is_empty() {
            std::fs::write(dir.path().join("live-suite.toml"), config).unwrap();
        }
        let doctor = suite(dir.path(), &["doctor"]);
        let said = text(&doctor);
        assert_eq!(doctor.status.code(), Some(2), "{config}\n{said}");
        assert!(said.contains(words), "doctor: no «{words}» in\n{said}");
        let t = std::time::Instant::now();
        let run = suite(dir.path(), &[]);
        let took = t.elapsed();
        let said = text(&run);
        assert_eq!(run.status.code(), Some(2), "{config}\n{said}");
        assert!(said.contains(words), "run: no «{words}» in\n{said}");
        assert!(!said.contains("Traceback"), "{said}");
        // Stopped before anything was created, long before any health timeout.
        assert!(
            !dir.path().join("docs").exists(),
            "{config}: a run folder was made"
        );
        println!("{words}: the run stopped after {:.2}s", took.as_secs_f64());
    }
}
