use super::*;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A config file (and compose file) in a temporary folder.
fn folder_with(toml: &str, compose: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), toml).unwrap();
    std::fs::write(dir.path().join("compose.yml"), compose).unwrap();
    dir
}

const COMPOSE: &str =
    "services:\n  api:\n    image: x\n    ports:\n      - \"9000\"\n  db:\n    image: y\n";

fn load_err(toml: &str, compose: &str) -> String {
    let dir = folder_with(toml, compose);
    format!("{:#}", SuiteConfig::load(dir.path(), None).unwrap_err())
}

#[test]
fn without_a_file_the_defaults_describe_our_stack_and_check_out() {
    let empty = tempfile::tempdir().unwrap();
    let c = SuiteConfig::load(empty.path(), None).unwrap();
    assert_eq!(c, SuiteConfig::defaults(empty.path()));
    assert_eq!(c.service, "backend");
    assert_eq!(c.container_port, 8000);
    assert_eq!(c.mode.value(Mode::Live), "False");
    assert_eq!(c.mode.value(Mode::Mocked), "True");
    assert_eq!(c.mode.variable, "USE_DUMMY_WORKER");
    // Our docker-compose.yml passes the same checks a team's file gets.
    SuiteConfig::defaults(Path::new(ROOT))
        .check_compose()
        .unwrap();
}

#[test]
fn the_example_file_is_valid_and_names_every_key() {
    let example = "live-suite.example.toml";
    let text = std::fs::read_to_string(Path::new(ROOT).join(example)).unwrap();
    let c = SuiteConfig::parse(&text, Path::new(example), Path::new(ROOT)).unwrap();
    c.check_compose().unwrap();
    for key in [
        "compose_files",
        "service",
        "container_port",
        "health_paths",
        "[mode]",
        "variable",
        "live",
        "mocked",
        "env_file",
        "pre_build",
        "pre_build_timeout",
        "parallel",
    ] {
        assert!(
            text.contains(&format!("\n{key}")) || text.contains(&format!("\n# {key}")),
            "{key}"
        );
    }
}

#[test]
fn an_unknown_key_names_itself_the_file_and_the_fix() {
    let msg = load_err("service = \"api\"\ncontainer_port = 9000\ncompose_files = [\"compose.yml\"]\nhealth_path = [\"/docs\"]\n", COMPOSE);
    assert!(
        msg.contains("health_path") && msg.contains(FILE_NAME) && msg.contains("fix:"),
        "{msg}"
    );
    assert!(msg.contains("line 4"), "{msg}");
    let msg = load_err("compose_files = [\"compose.yml\"]\n[mode]\nvariable = \"M\"\nlive = \"0\"\nmocked = \"1\"\ndefault = \"1\"\n", COMPOSE);
    assert!(msg.contains("default") && msg.contains("fix:"), "{msg}");
}

#[test]
fn a_port_that_is_not_a_number_names_the_key() {
    for value in ["\"nine thousand\"", "90000", "-1"] {
        let msg = load_err(
            &format!(
                "compose_files = [\"compose.yml\"]\nservice = \"api\"\ncontainer_port = {value}\n"
            ),
            COMPOSE,
        );
        assert!(
            msg.contains("container_port") && msg.contains(FILE_NAME) && msg.contains("fix:"),
            "{msg}"
        );
    }
    let msg = load_err(
        "compose_files = [\"compose.yml\"]\nservice = \"api\"\ncontainer_port = 0\n",
        COMPOSE,
    );
    assert!(
        msg.contains("`container_port` is 0") && msg.contains("fix:"),
        "{msg}"
    );
    let msg = load_err(
        "compose_files = [\"compose.yml\"]\nservice = \"api\"\ncontainer_port = 8000\n",
        COMPOSE,
    );
    assert!(
        msg.contains("`container_port` = 8000 is not published by service api"),
        "{msg}"
    );
}

#[test]
fn a_service_missing_from_the_compose_file_lists_the_ones_there() {
    let msg = load_err(
        "compose_files = [\"compose.yml\"]\nservice = \"backend\"\ncontainer_port = 9000\n",
        COMPOSE,
    );
    assert!(
        msg.contains("`service` = \"backend\" is not a service of") && msg.contains("api, db"),
        "{msg}"
    );
    assert!(msg.contains(FILE_NAME) && msg.contains("fix:"), "{msg}");
}

#[test]
fn parallel_copies_are_refused_for_pinned_names_and_ports() {
    let base = "compose_files = [\"compose.yml\"]\nservice = \"api\"\ncontainer_port = 9000\n";
    for compose in [
        "services:\n  api:\n    container_name: api\n    ports: [\"9000\"]\n",
        "services:\n  api:\n    ports: [\"8080:9000\"]\n",
        "services:\n  api:\n    ports: [\"127.0.0.1:8080:9000/tcp\"]\n",
        "services:\n  api:\n    ports:\n      - target: 9000\n        published: 8080\n",
    ] {
        let msg = load_err(base, compose);
        assert!(
            msg.contains("`parallel` = true") && msg.contains("parallel = false"),
            "{compose}: {msg}"
        );
        let dir = folder_with(&format!("{base}parallel = false\n"), compose);
        assert!(!SuiteConfig::load(dir.path(), None).unwrap().parallel);
    }
    for compose in [
        "services:\n  api:\n    ports: [\"${PORT:-8080}:9000\"]\n",
        "services:\n  api:\n    ports: [\"127.0.0.1::9000\"]\n",
        "services:\n  api:\n    ports: [9000]\n",
    ] {
        let dir = folder_with(base, compose);
        assert!(
            SuiteConfig::load(dir.path(), None).unwrap().parallel,
            "{compose}"
        );
    }
}

#[test]
fn a_missing_config_or_compose_file_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let msg = format!(
        "{:#}",
        SuiteConfig::load(dir.path(), Some(&dir.path().join("nope.toml"))).unwrap_err()
    );
    assert!(
        msg.contains("nope.toml: no such file") && msg.contains("fix:"),
        "{msg}"
    );
    let msg = load_err("compose_files = [\"other.yml\"]\n", COMPOSE);
    assert!(
        msg.contains("other.yml") && msg.contains("`compose_files`"),
        "{msg}"
    );
}

#[test]
fn a_named_env_file_is_required_and_pre_build_has_a_timeout() {
    let base = "service = \"api\"\ncontainer_port = 9000\ncompose_files = [\"compose.yml\"]\n";
    let dir = folder_with(base, COMPOSE);
    let c = SuiteConfig::load(dir.path(), None).unwrap();
    assert!(!c.env_file_required);
    assert_eq!(c.pre_build_timeout, PRE_BUILD_TIMEOUT);
    let dir = folder_with(
        &format!("{base}env_file = \"secrets.env\"\npre_build_timeout = 90\n"),
        COMPOSE,
    );
    let c = SuiteConfig::load(dir.path(), None).unwrap();
    assert!(c.env_file_required);
    assert_eq!(c.env_file, dir.path().join("secrets.env"));
    assert_eq!(c.pre_build_timeout, Duration::from_secs(90));
    let msg = load_err(&format!("{base}pre_build_timeout = 0\n"), COMPOSE);
    assert!(
        msg.contains("pre_build_timeout") && msg.contains("fix"),
        "{msg}"
    );
}

#[test]
fn a_config_that_is_a_fifo_is_refused_without_waiting() {
    let dir = folder_with("", COMPOSE);
    let toml = dir.path().join(FILE_NAME);
    std::fs::remove_file(&toml).unwrap();
    let c = std::ffi::CString::new(toml.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let msg = format!(
        "{:#}",
        SuiteConfig::load(dir.path(), Some(&toml)).unwrap_err()
    );
    assert!(msg.contains("FIFO"), "{msg}");
}
