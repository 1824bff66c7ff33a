//! The suite against the hostile double (`support/hostile.rs`), one test per fault: the
//! verdict, and for a leaked value that no form of it is in the run folder, the zip or the
//! console.

use crate::support::fake_backend::{self, Config};
use crate::support::hostile::{self, Async, Faults, Form, Route};
use crate::support::{xtask, Run};
use base64::Engine as _;
use std::time::{Duration, Instant};

pub(crate) const KEY: &str = "sk-hostile-PLANTED-5f3e2d1c0b";

/// `live-suite --base-url <url> --poll-timeout 20 <flags>`, timed; the run folder lives as
/// long as the returned guard.
fn suite(url: &str, flags: &[&str], envs: &[(&str, &str)]) -> (Run, Duration, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["live-suite", "--base-url", url, "--poll-timeout", "20"];
    args.extend(flags);
    let start = Instant::now();
    let run = xtask(&args, envs, out.path());
    (run, start.elapsed(), out)
}

/// `suite` against a hostile double with `faults` in front of the original-like fake.
pub(crate) fn against(
    faults: Faults,
    flags: &[&str],
    envs: &[(&str, &str)],
) -> (Run, Duration, tempfile::TempDir) {
    let target = hostile::start(Config::default(), faults);
    suite(&target.url, flags, envs)
}

pub(crate) fn with_key() -> [(&'static str, &'static str); 1] {
    [("OPENAI_API_KEY", KEY)]
}

/// Every form of `value` the suite must never keep: literal, JSON-escaped (each character
/// `\uXXXX` in either case, and the double's mix), percent-encoded, base64 (standard and
/// URL-safe, at each alignment: the characters that depend on the value alone).
pub(crate) fn forms(value: &str) -> Vec<String> {
    let escaped = |upper: bool| -> String {
        value
            .chars()
            .map(|c| match upper {
                true => format!("\\u{:04X}", c as u32),
                false => format!("\\u{:04x}", c as u32),
            })
            .collect()
    };
    let percent: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut out = vec![
        value.to_owned(),
        escaped(false),
        escaped(true),
        hostile::json_escaped(value),
        percent.clone(),
        percent.to_lowercase(),
    ];
    for engine in [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for offset in 0..3usize {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(value.as_bytes());
            let text = engine.encode(&bytes);
            let first = (8 * offset).div_ceil(6);
            let last = 8 * bytes.len() / 6;
            out.push(text[first..last].to_owned());
        }
    }
    out
}

/// No form of `value` in the run folder, the zip or the console.
fn assert_nowhere(run: &Run, value: &str) {
    assert_none_of(run, &forms(value));
}

/// None of `forms` in the run folder, the zip or the console, also once line breaks (CR,
/// LF, JSON's `\r` and `\n`) are taken out: a blob wrapped over lines is found whole.
pub(crate) fn assert_none_of(run: &Run, forms: &[String]) {
    let check = |what: &str, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        let unwrapped: String = text
            .replace("\\r", "")
            .replace("\\n", "")
            .replace(['\r', '\n'], "");
        for form in forms {
            assert!(
                !text.contains(form.as_str()) && !unwrapped.contains(form.as_str()),
                "{what} holds {form:?}"
            );
        }
    };
    check("stdout", run.stdout.as_bytes());
    check("stderr", run.stderr.as_bytes());
    for f in run.files() {
        check(&f, &std::fs::read(run.run_dir.join(&f)).unwrap());
    }
    // A setup error (exit 2) leaves no zip.
    let Ok(zip) = std::fs::File::open(&run.zip) else {
        assert_eq!(run.code, 2, "no zip at {}", run.zip.display());
        return;
    };
    let mut z = zip::ZipArchive::new(zip).unwrap();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
        check(&format!("zip:{}", e.name().unwrap()), &bytes);
    }
}

fn asynchronous(result_lag: Duration) -> Option<Async> {
    Some(Async {
        runs_for: Duration::from_millis(200),
        result_lag,
    })
}

#[test]
fn l08_fails_when_the_listing_after_the_long_run_answers_500() {
    let (run, took, _out) = against(
        Faults {
            fail: Some((Route::Files, 0)),
            ..Default::default()
        },
        &["--only", "L08", "--long-run-seconds", "1"],
        &[],
    );
    println!("exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L08");
    assert_eq!(verdict, "ERROR", "{reason}");
    assert!(
        reason.contains("GET /{project_id}/files answered HTTP 500"),
        "{reason}"
    );
}

#[test]
fn a_long_run_that_ignores_its_sleep_is_an_observation_and_fails_under_strict() {
    let (run, took, _out) = against(
        Faults {
            ignore_sleep: true,
            job_id_in_result: true,
            ..Default::default()
        },
        &["--only", "L08", "--long-run-seconds", "30", "--strict"],
        &[],
    );
    println!("exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L08");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(
        reason.contains("--strict: 1 observation: the long run took")
            && reason.contains("for sleep_seconds=30: the target ignores the delay"),
        "{reason}"
    );
}

/// A secret the target echoes in a status answer the suite polls (never kept as evidence):
/// the scenario in flight fails, its setup named as such, and no form of the value is kept.
#[test]
fn a_secret_in_a_polled_answer_fails_the_scenario_and_is_nowhere() {
    for (route, only, names) in [
        (
            Route::Project,
            "L01",
            "in the answer to GET /api/v1/projects/",
        ),
        (Route::Job, "L05", "/jobs/"),
        // The project L03 creates for itself.
        (Route::Project, "L03", "(during the setup)"),
    ] {
        let faults = Faults {
            asynchronous: asynchronous(Duration::ZERO),
            env_in: Some((route, KEY.into())),
            ..Default::default()
        };
        let (run, took, _out) = against(faults, &["--only", only], &with_key());
        println!("{only}: exit {} in {took:?}", run.code);
        run.assert_code(1);
        let (verdict, reason) = run.verdict(only);
        assert_eq!(verdict, "FAIL", "{reason}");
        assert!(
            reason.contains("secret leak: the value of OPENAI_API_KEY") && reason.contains(names),
            "{reason}"
        );
        assert_nowhere(&run, KEY);
    }
}

#[test]
fn a_secret_in_a_health_answer_of_the_target_or_its_twin_is_a_setup_error_and_nowhere() {
    let healthz = Faults {
        env_in: Some((Route::Healthz, KEY.into())),
        ..Default::default()
    };
    // The target's own /healthz before the ladder: a setup error.
    let leaking = hostile::start(
        Config {
            healthz: true,
            ..Default::default()
        },
        healthz.clone(),
    );
    let (run, _, _out) = suite(&leaking.url, &["--only", "L01"], &with_key());
    run.assert_code(2);
    assert!(
        run.stderr.contains("secret leak") && run.stderr.contains("OPENAI_API_KEY"),
        "{}",
        run.stderr
    );
    assert_nowhere(&run, KEY);
    // The mocked twin's /healthz, checked before any scenario: a setup error too.
    let live = fake_backend::start(Config::default());
    let twin_config = Config {
        mocked: true,
        healthz: true,
        ..Default::default()
    };
    let twin = hostile::start(twin_config, healthz);
    let flags = ["--only", "L04", "--mocked-base-url", &twin.url];
    let (run, _, _out) = suite(&live.url, &flags, &with_key());
    run.assert_code(2);
    assert!(
        run.stderr.contains("--mocked-base-url")
            && run
                .stderr
                .contains("secret leak while waiting until it is healthy")
            && run.stderr.contains("GET /healthz"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stdout.contains("L04"),
        "a scenario ran:\n{}",
        run.stdout
    );
    assert_nowhere(&run, KEY);
}

#[test]
fn an_escaped_secret_beside_1e999_fails_and_is_nowhere() {
    let (run, took, _out) = against(
        Faults {
            leak_in_create: Some((Form::JsonEscaped, KEY.into())),
            ..Default::default()
        },
        &["--only", "L01"],
        &with_key(),
    );
    println!("exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L01");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(
        reason.contains("secret leak") && reason.contains("POST /api/v1/projects/"),
        "{reason}"
    );
    assert!(run.read("live/L01/response.json").contains("[REDACTED]"));
    assert_nowhere(&run, KEY);
}

#[test]
fn json_labelled_text_html_is_an_observation_and_fails_under_strict() {
    let (run, took, _out) = against(
        Faults {
            json_as_html: true,
            job_id_in_result: true,
            ..Default::default()
        },
        &["--only", "L03", "--strict"],
        &[],
    );
    println!("exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L03");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(
        reason.contains("GET /api/v1/{project_id}/files answered JSON labelled text/html"),
        "{reason}"
    );
}

#[test]
fn ids_that_are_no_plain_token_go_into_urls_as_one_segment() {
    for id in ["job#1234", "../../docs?x"] {
        let faults = Faults {
            asynchronous: asynchronous(Duration::ZERO),
            job_ids: Some(id.into()),
            ..Default::default()
        };
        let (run, took, _out) = against(faults, &["--only", "L05"], &[]);
        println!("{id}: exit {} in {took:?}", run.code);
        run.assert_code(0);
        assert_eq!(run.verdict("L05").0, "PASS");
        let summary = run.read("summary.txt");
        assert!(
            summary.contains(&format!(
                "L05: the target's job id {id:?} is not a plain token"
            )),
            "{summary}"
        );
    }
}

#[test]
fn a_404_while_polling_fails_at_once_with_its_status_and_body() {
    let (run, took, _out) = against(
        Faults {
            asynchronous: asynchronous(Duration::ZERO),
            job_404: true,
            ..Default::default()
        },
        &["--only", "L05"],
        &[],
    );
    println!("exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L05");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(
        reason.contains("answered HTTP 404") && reason.contains("Job not found"),
        "{reason}"
    );
    assert!(!reason.contains("stopped answering"), "{reason}");
}

#[test]
fn a_result_that_lands_after_the_final_status_passes_within_the_settle_grace() {
    let faults = Faults {
        asynchronous: asynchronous(Duration::from_millis(500)),
        ..Default::default()
    };
    let (run, took, _out) = against(faults.clone(), &["--only", "L01"], &[]);
    println!("exit {} in {took:?}", run.code);
    run.assert_code(0);
    let summary = run.read("summary.txt");
    assert!(summary.contains("L01: status before result: "), "{summary}");
    // Without a grace the same target fails at once: staleness is judged as strictly.
    let flags = ["--only", "L01", "--settle-grace", "0"];
    let (run, _, _out) = against(faults, &flags, &[]);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L01");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(reason.contains("no .codex/result.json exists"), "{reason}");
}

#[test]
fn a_redirect_of_a_file_to_another_origin_is_not_followed() {
    let other = hostile::elsewhere();
    let (run, took, _out) = against(
        Faults {
            redirect_file_to: Some(other.url.clone()),
            ..Default::default()
        },
        &["--only", "L04"],
        &[],
    );
    println!("exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L04");
    assert_ne!(verdict, "PASS", "{reason}");
    assert!(
        reason.contains(&format!("{}/api/v1/", other.url)) && reason.contains("another origin"),
        "{reason}"
    );
    assert_eq!(*other.seen.lock().unwrap(), Vec::<String>::new());
}

#[test]
fn a_redirect_of_the_create_to_another_origin_never_re_sends_the_body() {
    let other = hostile::elsewhere();
    let (run, took, _out) = against(
        Faults {
            redirect_create_to: Some(other.url.clone()),
            ..Default::default()
        },
        &["--only", "L01"],
        &[],
    );
    println!("exit {} in {took:?}", run.code);
    assert_eq!(*other.seen.lock().unwrap(), Vec::<String>::new());
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L01");
    assert_ne!(verdict, "PASS", "{reason}");
    assert!(
        reason.contains(&format!("{}/api/v1/projects/", other.url)),
        "{reason}"
    );
}
