//! `doctor`: what a run needs, one line a check with the fix. The Docker engine and the
//! compose CLI (`docker compose` or `docker-compose`) when the stack uses them, a headless
//! Chromium for report.png, the config file, the secrets (presence only, never a value),
//! and the URLs given. A run can start when no check fails; a warning names what the run
//! does without the thing it lacks.

use crate::model::events::Events;
use crate::model::secrets::{Redactor, Secrets, MIN_REDACT_LEN};
use crate::stack::suite_config::SuiteConfig;
use crate::stack::Docker;
use crate::target::preflight::{self, Patience, Target};
use std::time::Duration;

/// How long doctor waits for a URL that answers but is not healthy yet.
pub(crate) const URL_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    /// The run starts, without something (report.png, the compose stack).
    Warn,
    /// No run can start until it is fixed.
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub status: Status,
    /// What was checked, e.g. `docker engine`.
    pub subject: String,
    /// What was found (a failure's text names the cause, and the fix when it knows it).
    pub found: String,
}

impl Check {
    fn new(status: Status, subject: &str, found: impl Into<String>) -> Check {
        Check {
            status,
            subject: subject.to_owned(),
            found: found.into(),
        }
    }

    /// `ok    docker engine: 27.3.1 answers`.
    pub(crate) fn line(&self) -> String {
        let status = match self.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        format!("{status:<5} {}: {}", self.subject, self.found)
    }
}

/// No check failed.
pub(crate) fn can_start(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

/// The last line: whether a run can start, and what stops it.
pub(crate) fn verdict(checks: &[Check]) -> String {
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
    match failed {
        0 if warned == 0 => "doctor: a run can start".to_owned(),
        0 => format!(
            "doctor: a run can start ({warned} warning{})",
            plural(warned)
        ),
        n => format!(
            "doctor: a run cannot start: {n} check{} failed (exit 2)",
            plural(n)
        ),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The Docker engine and the compose CLI as `need` makes them matter; `engine` and
/// `compose` are what the probes found (a version, or the cause with its fix).
pub(crate) fn docker(
    need: &Docker,
    engine: impl FnOnce() -> Result<String, String>,
    compose: impl FnOnce() -> Result<String, String>,
) -> Vec<Check> {
    let missing = match need {
        Docker::Unused => {
            return vec![Check::new(
                Status::Ok,
                "docker",
                "not needed: this stack runs without it",
            )]
        }
        Docker::Required => (Status::Fail, String::new()),
        Docker::Optional(without) => (Status::Warn, format!(" ({without})")),
    };
    let engine = match engine() {
        Ok(version) => Check::new(Status::Ok, "docker engine", format!("{version} answers")),
        Err(why) => {
            return vec![Check::new(
                missing.0,
                "docker engine",
                format!("{why}{}", missing.1),
            )]
        }
    };
    let compose = match compose() {
        Ok(cli) => Check::new(Status::Ok, "compose CLI", cli),
        Err(why) => Check::new(missing.0, "compose CLI", format!("{why}{}", missing.1)),
    };
    vec![engine, compose]
}

/// A headless Chromium for report.png (without one the run skips it and says so).
pub(crate) fn chromium() -> Check {
    match crate::report::screenshot::find_browser() {
        Some(path) => Check::new(Status::Ok, "chromium", path.display().to_string()),
        None => Check::new(
            Status::Warn,
            "chromium",
            "none found, report.png is skipped; fix: install chromium-headless-shell (Debian) \
             or set CHROMIUM to a browser binary",
        ),
    }
}

/// The stack description: the config file read and checked, or the defaults.
pub(crate) fn config(loaded: &anyhow::Result<SuiteConfig>) -> Check {
    match loaded {
        Ok(c) => {
            let kind = match (&c.process, &c.external) {
                (Some(_), _) => "a process stack",
                (None, Some(_)) => "a running backend",
                (None, None) => "a compose stack",
            };
            let source = c.source.as_ref().map_or_else(
                || "no config file: the defaults".to_owned(),
                |f| f.display().to_string(),
            );
            Check::new(Status::Ok, "config", format!("{source} ({kind})"))
        }
        Err(e) => Check::new(Status::Fail, "config", format!("{e:#}")),
    }
}

/// `--base-url` names the backend: no config file describes a stack.
pub(crate) fn config_not_read() -> Check {
    Check::new(
        Status::Ok,
        "config",
        "not read: --base-url names a backend already running",
    )
}

/// Which secrets are present (never a value); one too short to redact is a warning.
pub(crate) fn secrets(s: &Secrets) -> Check {
    let presence = s.presence().join(" ");
    let short = s.too_short_to_redact();
    if short.is_empty() {
        return Check::new(Status::Ok, "secrets", presence);
    }
    Check::new(
        Status::Warn,
        "secrets",
        format!(
            "{presence}; {} shorter than {MIN_REDACT_LEN} characters cannot be redacted; fix: \
             use the real value",
            short.join(", ")
        ),
    )
}

/// A backend someone else runs answers, healthy in its mode (every answer scanned for the
/// secrets `redactor` knows).
pub(crate) fn url(target: &Target, events: &Events, redactor: &Redactor) -> Check {
    let subject = target.flag;
    let patience = Patience {
        timeout: URL_WAIT,
        events,
        redactor,
    };
    match preflight::external(&[*target], patience) {
        Ok(()) => Check::new(
            Status::Ok,
            subject,
            format!(
                "{} answers healthy in {} mode",
                target.url,
                target.mode.as_str()
            ),
        ),
        Err(e) => {
            let text = format!("{e:#}");
            // The preflight's message starts with the flag already.
            let text = text
                .strip_prefix(&format!("{subject} "))
                .unwrap_or(&text)
                .to_owned();
            Check::new(Status::Fail, subject, text)
        }
    }
}

/// Whether a newer release than `own` (this binary's `major.minor.patch`) is known, from
/// `answer`: the releases endpoint's JSON (`{"tag_name": "v1.2.0", ...}`), or why it could
/// not be asked. Never a failure: a run can start either way. Only the tag is quoted, and
/// only when it is a plain version.
pub(crate) fn release(own: &str, url: &str, answer: Result<String, String>) -> Check {
    let subject = "release";
    let body = match answer {
        Ok(body) => body,
        Err(why) => {
            return Check::new(
                Status::Warn,
                subject,
                format!(
                    "could not ask {url}: {why}; fix: check the network, or pass --releases-url"
                ),
            )
        }
    };
    let tag = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["tag_name"].as_str().map(str::to_owned));
    let (Some(tag), Some(mine)) = (tag, semver(own)) else {
        return Check::new(
            Status::Warn,
            subject,
            format!("{url} answered no release tag (`tag_name` vX.Y.Z)"),
        );
    };
    match semver(&tag) {
        Some(latest) if latest > mine => Check::new(
            Status::Warn,
            subject,
            format!(
                "{tag} is out, this is {own}; fix: upgrade (pip install -U codex-live-suite, \
                 the Action's `version`, or the release archive)"
            ),
        ),
        Some(_) => Check::new(
            Status::Ok,
            subject,
            format!("{own} is up to date (newest release {tag})"),
        ),
        None => Check::new(
            Status::Warn,
            subject,
            format!("{url} answered a tag that is not a version (vX.Y.Z)"),
        ),
    }
}

/// `(major, minor, patch)` of `1.2.3` or `v1.2.3` (a pre-release or build suffix ignored).
fn semver(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.strip_prefix('v').unwrap_or(text);
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let v = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(checks: &[Check]) -> Vec<(&str, Status)> {
        checks
            .iter()
            .map(|c| (c.subject.as_str(), c.status))
            .collect()
    }

    #[test]
    fn docker_matters_as_much_as_the_stack_needs_it() {
        let up = || Ok::<_, String>("27.3.1".to_owned());
        let cli = || Ok::<_, String>("docker-compose 1.29.2".to_owned());
        let down = || Err::<String, _>("no Docker engine answers; fix: start it".to_owned());
        let ok = docker(&Docker::Required, up, cli);
        assert_eq!(
            statuses(&ok),
            [("docker engine", Status::Ok), ("compose CLI", Status::Ok)]
        );
        assert_eq!(ok[0].line(), "ok    docker engine: 27.3.1 answers");
        let needed = docker(&Docker::Required, down, cli);
        assert_eq!(statuses(&needed), [("docker engine", Status::Fail)]);
        assert!(!can_start(&needed));
        let optional = docker(
            &Docker::Optional("runs use the local stack".into()),
            down,
            cli,
        );
        assert_eq!(statuses(&optional), [("docker engine", Status::Warn)]);
        assert!(optional[0].found.ends_with("(runs use the local stack)"));
        assert!(can_start(&optional));
        let no_compose = docker(&Docker::Required, up, || Err("neither works".to_owned()));
        assert_eq!(no_compose[1].status, Status::Fail);
        let unused = docker(&Docker::Unused, || unreachable!(), || unreachable!());
        assert_eq!(statuses(&unused), [("docker", Status::Ok)]);
    }

    #[test]
    fn secrets_are_named_by_presence_only() {
        let s = Secrets::from_lookup(|name| match name {
            "OPENAI_API_KEY" => Some("sk-PLANTED-0123456789".into()),
            "OPENAI_ORG_ID" => Some("zq".into()),
            _ => None,
        });
        let c = secrets(&s);
        assert_eq!(c.status, Status::Warn);
        assert!(c.found.contains("OPENAI_API_KEY=present"), "{}", c.found);
        assert!(c.found.contains("OPENAI_PROJECT=absent"), "{}", c.found);
        assert!(!c.line().contains("sk-PLANTED") && !c.line().contains("zq"));
    }

    #[test]
    fn the_verdict_counts_failures_and_warnings() {
        let ok = Check::new(Status::Ok, "a", "x");
        let warn = Check::new(Status::Warn, "b", "y");
        let fail = Check::new(Status::Fail, "c", "z");
        assert_eq!(
            verdict(std::slice::from_ref(&ok)),
            "doctor: a run can start"
        );
        assert_eq!(
            verdict(&[ok.clone(), warn.clone()]),
            "doctor: a run can start (1 warning)"
        );
        assert_eq!(
            verdict(&[ok, warn, fail.clone(), fail]),
            "doctor: a run cannot start: 2 checks failed (exit 2)"
        );
    }

    #[test]
    fn a_newer_release_is_a_warning_and_no_answer_never_fails() {
        let url = "http://127.0.0.1:1/latest";
        let ask = |own: &str, body: &str| release(own, url, Ok(body.to_owned()));
        let newer = ask("0.1.0", r#"{"tag_name": "v0.2.0"}"#);
        assert_eq!(newer.status, Status::Warn);
        assert!(newer
            .found
            .starts_with("v0.2.0 is out, this is 0.1.0; fix: upgrade"));
        let same = ask("0.2.0", r#"{"tag_name": "v0.2.0"}"#);
        assert_eq!(
            same.line(),
            "ok    release: 0.2.0 is up to date (newest release v0.2.0)"
        );
        assert_eq!(
            ask("0.10.0", r#"{"tag_name": "v0.9.1"}"#).status,
            Status::Ok
        );
        assert_eq!(
            ask("1.0.0", r#"{"tag_name": "v1.0.1-rc.1"}"#).status,
            Status::Warn
        );
        // A hostile tag is never quoted.
        let odd = ask("0.1.0", r#"{"tag_name": "\u001b]8;;evil"}"#);
        assert_eq!(odd.status, Status::Warn);
        assert!(!odd.found.contains("evil"), "{}", odd.found);
        assert!(ask("0.1.0", "<html>")
            .found
            .contains("answered no release tag"));
        let down = release("0.1.0", url, Err("connection refused".to_owned()));
        assert_eq!(down.status, Status::Warn);
        assert!(down.found.contains(url) && down.found.contains("fix:"));
        assert!(can_start(&[down]));
    }
}
