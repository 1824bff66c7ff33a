//! The one reader of files the suite reads back: a baseline's `run.json` or zip, an env
//! file, a `live-suite.toml` and its compose files, evidence shown in the report. Such a
//! file is untrusted like an answer of the target: only a regular file is read (a FIFO, a
//! device, a socket or a folder is refused naming the path), its open never blocks, and no
//! more than a stated limit ever reaches memory, also from a zip entry whose header lies.

use anyhow::{bail, Context, Result};
use std::fs::{File, FileType};
use std::io::{Read, Seek};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// `run.json`, from a run folder, a file or a run's zip (a run writes a few KiB).
pub(crate) const RUN_JSON_LIMIT: u64 = 16 << 20;
/// A run's `events.jsonl`, read back by a benchmark (a run writes some KiB).
pub const EVENTS_LIMIT: u64 = 64 << 20;
/// An env file of secrets (`.env.live`, a `live-suite.toml`'s `env_file`).
pub(crate) const ENV_FILE_LIMIT: u64 = 1 << 20;
/// A `live-suite.toml` and each compose file it names.
pub(crate) const CONFIG_LIMIT: u64 = 1 << 20;
/// The backend's output during one scenario (`logs.txt`): only its last part is kept.
pub(crate) const LOGS_LIMIT: u64 = 4 << 20;

/// The backend's output past [`LOGS_LIMIT`]: its last part, after a line that says how many
/// bytes before it were left out.
pub(crate) fn logs_after_cut(skipped: u64, kept: &str) -> String {
    format!("[{skipped} earlier bytes of the backend's output not kept]\n{kept}")
}

/// Opens `path` (links followed) when it is a regular file. The open does not wait for a
/// FIFO's writer (`O_NONBLOCK`), and the kind is read from the opened handle, so nothing can
/// be swapped in between the check and the read.
pub(crate) fn open_regular(path: &Path) -> Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let kind = file
        .metadata()
        .with_context(|| format!("reading the metadata of {}", path.display()))?
        .file_type();
    if !kind.is_file() {
        bail!(
            "{} is {}, not a regular file: the suite reads only regular files (fix: give the \
             path of the file itself)",
            path.display(),
            describe(kind)
        );
    }
    Ok(file)
}

/// The whole regular file at `path`, refused when it holds more than `limit` bytes.
pub(crate) fn read(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        bail!(
            "{} is {size} bytes, over the limit of {} for this file: it is not read",
            path.display(),
            limit_text(limit)
        );
    }
    capped(file, limit, &path.display())
}

/// [`read`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))
}

/// The entry `name` of the zip at `zip_path`, refused when its header declares more than
/// `limit` bytes or it inflates to more (the header may lie).
pub(crate) fn zip_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
    zip_path: &Path,
) -> Result<Vec<u8>> {
    let what = format!("{name} in {}", zip_path.display());
    let entry = zip
        .by_name(name)
        .with_context(|| format!("opening {what}"))?;
    if entry.size() > limit {
        bail!(
            "{what} inflates to {} bytes, over the limit of {} for this file: it is not read",
            entry.size(),
            limit_text(limit)
        );
    }
    capped(entry, limit, &what)
}

/// At most `limit` bytes of `reader`; an error when there are more.
fn capped(reader: impl Read, limit: u64, what: &dyn std::fmt::Display) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {what}"))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{what} holds more than the limit of {} for this file: it is not read",
            limit_text(limit)
        );
    }
    Ok(bytes)
}

/// `16 MiB`, or bytes for a limit that is no whole number of MiB.
fn limit_text(limit: u64) -> String {
    if limit.is_multiple_of(1 << 20) {
        format!("{} MiB", limit >> 20)
    } else {
        format!("{limit} bytes")
    }
}

fn describe(kind: FileType) -> &'static str {
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests;
