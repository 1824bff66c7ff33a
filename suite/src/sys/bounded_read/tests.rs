use super::*;
use std::io::Write;
use std::time::{Duration, Instant};

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn fifos_devices_and_folders_are_refused_at_once_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("run.json");
    mkfifo(&fifo);
    let zero = dir.path().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let start = Instant::now();
    for (path, kind) in [
        (&fifo, "a FIFO"),
        (&zero, "a device"),
        (&dir.path().to_owned(), "a folder"),
    ] {
        let err = format!("{:#}", read(path, RUN_JSON_LIMIT).unwrap_err());
        assert!(
            err.contains(&path.display().to_string()) && err.contains(kind),
            "{err}"
        );
    }
    assert!(start.elapsed() < Duration::from_secs(5), "nothing blocked");
    let missing = format!("{:#}", read(&dir.path().join("nope"), 10).unwrap_err());
    assert!(missing.contains("nope"), "{missing}");
}

#[test]
fn a_file_over_its_limit_is_refused_and_one_within_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(".env.live");
    std::fs::write(&f, vec![b'x'; 2048]).unwrap();
    let err = format!("{:#}", read(&f, 1024).unwrap_err());
    assert!(
        err.contains("2048 bytes") && err.contains("1024 bytes"),
        "{err}"
    );
    assert_eq!(read(&f, 2048).unwrap().len(), 2048);
    std::fs::write(&f, [0xff, 0xfe]).unwrap();
    assert!(format!("{:#}", read_text(&f, 10).unwrap_err()).contains("not UTF-8"));
}

/// A zip of one entry of `n` zero bytes (it deflates to almost nothing).
fn zeros_zip(path: &Path, n: usize) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(n > u32::MAX as usize);
    z.start_file("run/run.json", opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        z.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    z.finish().unwrap();
}

#[test]
fn a_zip_entry_is_capped_by_its_declared_and_by_its_inflated_size() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.zip");
    zeros_zip(&bomb, 4 << 20);
    let mut zip = zip::ZipArchive::new(open_regular(&bomb).unwrap()).unwrap();
    let err = format!(
        "{:#}",
        zip_entry(&mut zip, "run/run.json", 1 << 20, &bomb).unwrap_err()
    );
    assert!(
        err.contains("inflates to 4194304 bytes") && err.contains("1 MiB"),
        "{err}"
    );

    // The same entry with a header that declares 10 bytes.
    let mut bytes = std::fs::read(&bomb).unwrap();
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
        bytes[at..at + 4].copy_from_slice(&10u32.to_le_bytes());
    }
    let liar = dir.path().join("liar.zip");
    std::fs::write(&liar, bytes).unwrap();
    let mut zip = zip::ZipArchive::new(open_regular(&liar).unwrap()).unwrap();
    let err = format!(
        "{:#}",
        zip_entry(&mut zip, "run/run.json", 1 << 20, &liar).unwrap_err()
    );
    // zip checks the inflated size against the header itself; the cap holds either way.
    assert!(
        err.contains("more than the limit of 1 MiB") || err.contains("larger than its declared"),
        "{err}"
    );
}
