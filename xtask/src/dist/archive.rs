//! The release archive (`<name>.tar.gz`, one folder `<name>/`) and `SHA256SUMS`.

use anyhow::{Context, Result};
use flate2::{write::GzEncoder, Compression};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The documents shipped beside the binary, from the repository root.
pub const DOCS: [&str; 3] = ["README.md", "LICENSE", "CHANGELOG.md"];

/// `<out>/<name>.tar.gz` holding `<name>/codex-live-suite` (mode 755) and `DOCS` (644).
/// Owner root, modification time `SOURCE_DATE_EPOCH` (else 0): the same inputs give the
/// same bytes. Written beside and renamed, so that no half archive is ever left.
pub fn write(root: &Path, binary: &Path, name: &str, out: &Path) -> Result<PathBuf> {
    let path = out.join(format!("{name}.tar.gz"));
    let partial = out.join(format!(".{name}.tar.gz.partial"));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::best()));
    let mtime = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut entries = vec![(binary.to_owned(), super::PACKAGE.to_owned(), 0o755)];
    entries.extend(DOCS.map(|doc| (root.join(doc), doc.to_owned(), 0o644)));
    for (source, inside, mode) in entries {
        let bytes =
            std::fs::read(&source).with_context(|| format!("reading {}", source.display()))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(mode);
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{name}/{inside}"), bytes.as_slice())
            .with_context(|| format!("adding {inside} to {}", path.display()))?;
    }
    tar.into_inner()
        .and_then(GzEncoder::finish)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// `<out>/SHA256SUMS`: `<sha256 hex>  <file name>` for every `.tar.gz` and `.whl` in `out`,
/// sorted by name (the format `sha256sum -c` and `shasum -a 256 -c` read).
pub fn write_sums(out: &Path) -> Result<PathBuf> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out).with_context(|| format!("listing {}", out.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && (name.ends_with(".tar.gz") || name.ends_with(".whl")) {
            names.push(name);
        }
    }
    names.sort();
    let mut text = String::new();
    for name in names {
        let bytes = std::fs::read(out.join(&name)).with_context(|| format!("reading {name}"))?;
        text.push_str(&format!("{}  {name}\n", hex(&Sha256::digest(&bytes))));
    }
    let path = out.join("SHA256SUMS");
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_list_archives_and_wheels_only_sorted_in_sha256sum_format() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.whl"), "").unwrap();
        std::fs::write(dir.path().join("a.tar.gz"), "abc").unwrap();
        std::fs::write(dir.path().join(".a.tar.gz.partial"), "x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let text = std::fs::read_to_string(write_sums(dir.path()).unwrap()).unwrap();
        assert_eq!(
            text,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.tar.gz\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b.whl\n"
        );
    }
}
