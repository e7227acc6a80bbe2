//! The outbox: a report's files written into a folder that an authority's secure-transfer job
//! collects. Each file is written to a unique temporary name (starting with `.`, so a collector
//! that skips dot files never sees half a file), synced and renamed into place; the checksum
//! file `KEY.sha256` (`sha256sum` format) is written the same way last, so its presence says
//! every file it lists is complete. File names carry the delivery's key, so writing again after a
//! crash replaces the same files with the same bytes.

use std::io::Write;
use std::path::Path;

use super::Attempted;

/// Writes `files` (name, bytes) and then the checksum file into `dir`.
pub fn write(dir: &Path, key: &str, files: &[(String, &[u8], &str)]) -> Attempted {
    match write_all(dir, key, files) {
        Ok(()) => Attempted::delivered(format!("{} files and {key}.sha256", files.len())),
        Err(e) => Attempted::retry(format!("writing the outbox: {}", e.kind())),
    }
}

fn write_all(dir: &Path, key: &str, files: &[(String, &[u8], &str)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut sums = String::new();
    for (name, body, sha256) in files {
        atomic(dir, name, body)?;
        sums.push_str(&format!("{sha256}  {name}\n"));
    }
    atomic(dir, &format!("{key}.sha256"), sums.as_bytes())?;
    // The renames themselves are durable once the folder is synced.
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn atomic(dir: &Path, name: &str, body: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = std::fs::File::create(&temporary)?;
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&temporary, dir.join(name))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_then_the_checksums_and_no_temporary_left() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("board");
        let attempted = write(&out, "k1", &[("k1.csv".into(), b"a,b\n", "abc")]);
        assert!(attempted.delivered_ok(), "{attempted:?}");
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["k1.csv", "k1.sha256"]);
        assert_eq!(
            std::fs::read_to_string(out.join("k1.sha256")).unwrap(),
            "abc  k1.csv\n"
        );
    }
}
