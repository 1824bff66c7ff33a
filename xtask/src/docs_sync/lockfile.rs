//! What `Cargo.lock` chooses that no `Cargo.toml` can say. idna (under url, under reqwest,
//! bollard and tower-http) takes its Unicode back end from the version of `idna_adapter`
//! the lockfile holds: 1.2 is ICU4X, some twenty crates and proc macros compiled before
//! the xtask can run; 1.1 is unicode-rs, two small crates, with the same IDNA rules. A
//! plain `cargo update` moves it back to 1.2, and this test says so.

use super::architecture::root;
use serde::Deserialize;

/// The part of `Cargo.lock` read here: its packages' names and versions.
#[derive(Deserialize)]
struct Lockfile {
    package: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
}

/// The versions of the package `name` in a lockfile's text.
fn locked_versions(lockfile: &str, name: &str) -> Vec<String> {
    let lock: Lockfile = toml::from_str(lockfile).expect("Cargo.lock is TOML");
    lock.package
        .into_iter()
        .filter(|p| p.name == name)
        .map(|p| p.version)
        .collect()
}

#[test]
fn idna_uses_the_unicode_rs_back_end() {
    let lockfile = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let versions = locked_versions(&lockfile, "idna_adapter");
    assert!(
        versions.iter().all(|v| v.starts_with("1.1.")),
        "Cargo.lock holds idna_adapter {versions:?}: 1.2 builds ICU4X's crates into every \
         cold build; fix: cargo update -p idna_adapter --precise 1.1.0"
    );
}

#[test]
fn locked_versions_reads_each_package_block() {
    let lock = "[[package]]\nname = \"a\"\nversion = \"1.1.0\"\n\n[[package]]\nname = \"ab\"\n\
                version = \"2.0.0\"\ndependencies = [\n \"a\",\n]\n\n[[package]]\nname = \"a\"\n\
                version = \"1.2.2\"\n";
    assert_eq!(locked_versions(lock, "a"), ["1.1.0", "1.2.2"]);
    assert_eq!(locked_versions(lock, "ab"), ["2.0.0"]);
    assert!(locked_versions(lock, "b").is_empty());
}
