//! What a described stack lacks before anything is started: the checks the run makes first
//! (a setup error at once, nothing created) and `doctor` shows, so that the two agree. A
//! compose stack's files exist; a `[process]` command's program is found and its command or
//! environment names `{port}`.

use super::{ProcessConfig, SuiteConfig, FILE_NAME};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

impl SuiteConfig {
    /// `Ok` when the stack this describes can be started as far as can be known without
    /// starting it; else a setup error naming what is missing and the fix. `path` is the
    /// `PATH` a started command would search.
    pub(crate) fn ready(&self, path: Option<&std::ffi::OsStr>) -> Result<()> {
        if let Some(process) = &self.process {
            return process.ready(self.source.as_deref(), path);
        }
        if self.external.is_some() {
            return Ok(());
        }
        let Some(missing) = self.compose_files.iter().find(|f| !f.exists()) else {
            return Ok(());
        };
        match &self.source {
            None => bail!(
                "nothing describes a stack to run here: no {FILE_NAME} and no {} in {}; fix: \
                 `codex-live-suite init` writes a commented {FILE_NAME} for your backend (a \
                 command, `--stack compose` or `--stack url`), or pass --config PATH or \
                 --base-url URL",
                file_name(missing),
                missing.parent().unwrap_or(Path::new(".")).display()
            ),
            Some(source) => bail!(
                "{}: `compose_files` names {}, which does not exist; fix: name the compose \
                 file of your stack, relative to this file's folder",
                source.display(),
                missing.display()
            ),
        }
    }
}

impl ProcessConfig {
    fn ready(&self, source: Option<&Path>, path: Option<&std::ffi::OsStr>) -> Result<()> {
        let file = source.map_or_else(|| FILE_NAME.into(), |s| s.display().to_string());
        let names_port = self
            .command
            .iter()
            .chain(self.env.values())
            .any(|a| a.contains("{port}"));
        if !names_port {
            bail!(
                "{file}: `[process]` never names {{port}}, so the backend cannot listen where \
                 the suite looks for it; fix: pass {{port}} in `command` (e.g. \"--port\", \
                 \"{{port}}\") or `env` (e.g. PORT = \"{{port}}\")"
            );
        }
        let Some(program) = self.command.first() else {
            return Ok(());
        };
        // A cwd under {data} only exists once the stack starts: its programs are not looked for.
        if self.cwd.starts_with("{data}") && program.contains('/') {
            return Ok(());
        }
        let path = self
            .env
            .get("PATH")
            .map(std::ffi::OsString::from)
            .or_else(|| path.map(ToOwned::to_owned));
        if find_program(program, &self.cwd, path.as_deref()).is_none() {
            bail!(
                "{file}: `[process] command` runs {program:?}, which is {}; fix: install it, or \
                 give its path (absolute, or relative to `cwd` {})",
                if program.contains('/') {
                    "not there"
                } else {
                    "not on PATH"
                },
                self.cwd.display()
            );
        }
        Ok(())
    }
}

/// The program a command would run: a path (relative to `cwd`) when it holds a `/`, else
/// the first executable file of that name on `path`.
fn find_program(program: &str, cwd: &Path, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let p = cwd.join(program);
        return runnable(&p).then_some(p);
    }
    std::env::split_paths(path?)
        .map(|dir| dir.join(program))
        .find(|p| runnable(p))
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn process(command: &[&str], env: &[(&str, &str)], cwd: &Path) -> SuiteConfig {
        let mut c = SuiteConfig::defaults(cwd);
        c.source = Some(cwd.join(FILE_NAME));
        c.process = Some(ProcessConfig {
            command: command.iter().map(|s| (*s).to_owned()).collect(),
            cwd: cwd.to_owned(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        });
        c
    }

    #[test]
    fn a_process_needs_its_program_and_the_port_placeholder() {
        let dir = tempfile::tempdir().unwrap();
        let path = Some(std::ffi::OsStr::new("/usr/bin:/bin"));
        let ok = process(&["sh", "-c", "serve {port}"], &[], dir.path());
        assert!(ok.ready(path).is_ok());
        let by_env = process(&["sh"], &[("PORT", "{port}")], dir.path());
        assert!(by_env.ready(path).is_ok());
        let err = |c: &SuiteConfig| format!("{:#}", c.ready(path).unwrap_err());
        let no_port = err(&process(&["sh", "-c", "serve 8000"], &[], dir.path()));
        assert!(
            no_port.contains("never names {port}") && no_port.contains("fix: pass {port}"),
            "{no_port}"
        );
        let absent = err(&process(
            &["codex-no-such-backend", "{port}"],
            &[],
            dir.path(),
        ));
        assert!(
            absent.contains("runs \"codex-no-such-backend\", which is not on PATH"),
            "{absent}"
        );
        let relative = err(&process(&["./run.sh", "{port}"], &[], dir.path()));
        assert!(relative.contains("which is not there"), "{relative}");
        std::fs::write(dir.path().join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            dir.path().join("run.sh"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        assert!(process(&["./run.sh", "{port}"], &[], dir.path())
            .ready(path)
            .is_ok());
    }

    #[test]
    fn a_compose_stack_needs_its_files_and_no_file_at_all_says_what_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let none = SuiteConfig::defaults(dir.path());
        let e = format!("{:#}", none.ready(None).unwrap_err());
        assert!(e.starts_with("nothing describes a stack to run here: no live-suite.toml and no docker-compose.yml"), "{e}");
        let mut named = SuiteConfig::defaults(dir.path());
        named.source = Some(dir.path().join(FILE_NAME));
        let e = format!("{:#}", named.ready(None).unwrap_err());
        assert!(
            e.contains("`compose_files` names") && e.contains("which does not exist"),
            "{e}"
        );
        std::fs::write(dir.path().join("docker-compose.yml"), "services: {}\n").unwrap();
        assert!(SuiteConfig::defaults(dir.path()).ready(None).is_ok());
    }
}
