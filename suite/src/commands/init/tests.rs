//! What `init` writes: files the suite reads and the schema accepts, never over another;
//! the schema and the parser agree on every key.

use super::*;
use crate::stack::suite_config::SuiteConfig;

const SCHEMA: &str = include_str!("../../../live-suite.schema.json");

/// The validator of the shipped schema.
fn schema() -> jsonschema::Validator {
    let doc: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    jsonschema::validator_for(&doc).unwrap()
}

/// A TOML text as the JSON the schema validates.
fn as_json(toml_text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_value(v).unwrap()
}

#[test]
fn every_template_is_valid_read_by_the_suite_and_names_its_schema() {
    let validator = schema();
    for stack in [InitStack::Process, InitStack::Compose, InitStack::Url] {
        let dir = tempfile::tempdir().unwrap();
        let text = template(stack, None, &[]).unwrap();
        assert!(text.starts_with("#:schema https://"), "{text}");
        assert!(text
            .lines()
            .next()
            .unwrap()
            .ends_with("/suite/live-suite.schema.json"));
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{stack:?}: {errors:?}");
        std::fs::write(dir.path().join(FILE_NAME), &text).unwrap();
        std::fs::write(
            dir.path().join("docker-compose.yml"),
            "services:\n  backend:\n    image: x\n    ports:\n      - \"127.0.0.1::8000\"\n",
        )
        .unwrap();
        let c = SuiteConfig::load(dir.path(), None).unwrap_or_else(|e| panic!("{stack:?}: {e:#}"));
        let kind = (c.process.is_some(), c.external.is_some());
        let want = match stack {
            InitStack::Process => (true, false),
            InitStack::Compose => (false, false),
            InitStack::Url => (false, true),
        };
        assert_eq!(kind, want, "{stack:?}");
    }
}

/// The fields a `deny_unknown_fields` table accepts, read from serde's own error for an
/// unknown one: what the parser takes.
fn accepted(toml_prefix: &str) -> Vec<String> {
    let text = format!("{toml_prefix}zz_unknown = 1\n");
    let e = match SuiteConfig::parse_for_tests(&text) {
        Err(e) => format!("{e:#}"),
        Ok(_) => panic!("an unknown key was taken"),
    };
    let list = e
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("{e}"));
    let list = list.split('\n').next().unwrap();
    let mut keys: Vec<String> = list
        .split(", ")
        .map(|k| k.trim().trim_matches('`').to_owned())
        .collect();
    keys.sort();
    keys
}

fn schema_keys(pointer: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let mut keys: Vec<String> = doc
        .pointer(pointer)
        .and_then(|v| v.as_object())
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn the_schema_names_exactly_the_keys_the_parser_takes() {
    assert_eq!(accepted(""), schema_keys("/properties"));
    assert_eq!(
        accepted("[process]\ncommand = [\"x\"]\n"),
        schema_keys("/properties/process/properties")
    );
    assert_eq!(
        accepted("[mode]\nvariable = \"M\"\nlive = \"1\"\nmocked = \"0\"\n"),
        schema_keys("/properties/mode/properties")
    );
    // The repository's example and every fixture a user may copy are valid too.
    let validator = schema();
    for file in [
        "../live-suite.example.toml",
        "../stacks/local.toml",
        "tests/fixtures/py_orchestrator/live-suite.toml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
}

#[test]
fn init_never_overwrites_and_ignores_the_evidence_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = Events::silent();
    let args = |gitignore| InitArgs {
        stack: InitStack::Process,
        gitignore,
        command: None,
        env: Vec::new(),
    };
    assert_eq!(args(true).run(dir.path(), &events).unwrap(), EXIT_PASS);
    let written = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
    assert_eq!(written, template(InitStack::Process, None, &[]).unwrap());
    std::fs::write(dir.path().join(FILE_NAME), "# mine\n").unwrap();
    assert_eq!(args(true).run(dir.path(), &events).unwrap(), EXIT_SETUP);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
        "# mine\n"
    );
    assert!(ignore_evidence(dir.path()).unwrap().contains("already"));
    let ignore = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
    assert_eq!(ignore.matches("/docs/evidence/").count(), 1, "{ignore}");
    // An existing .gitignore without a final newline keeps its last line whole.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join(".gitignore"), "target").unwrap();
    ignore_evidence(other.path()).unwrap();
    let ignore = std::fs::read_to_string(other.path().join(".gitignore")).unwrap();
    assert!(ignore.starts_with("target\n#"), "{ignore}");
}

#[test]
fn a_process_template_takes_its_command_and_environment() {
    let env = vec![
        ("BIND_ADDR".to_owned(), "127.0.0.1:{port}".to_owned()),
        ("NOTE".to_owned(), "a \"quoted\" value".to_owned()),
    ];
    let text = template(InitStack::Process, Some("codex-backend --verbose"), &env).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), &text).unwrap();
    let c = SuiteConfig::load(dir.path(), None).unwrap();
    let p = c.process.unwrap();
    assert_eq!(p.command, ["codex-backend", "--verbose"]);
    assert_eq!(p.env["BIND_ADDR"], "127.0.0.1:{port}");
    assert_eq!(p.env["NOTE"], "a \"quoted\" value");
    assert!(!p.env.contains_key("DATA_DIR"));
    let e = template(InitStack::Url, Some("x"), &[]).unwrap_err();
    assert!(e.contains("--stack process"), "{e}");
}
