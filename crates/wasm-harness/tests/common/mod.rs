//! What several test files share.

use std::path::{Path, PathBuf};

/// The repository's spin.toml with `line` replaced by `replacement`,
/// written to a directory of its own named for `purpose`, its sources made
/// absolute so that it loads the repository's built components.
pub fn manifest_with(line: &str, replacement: &str, purpose: &str) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let manifest = std::fs::read_to_string(repo.join("spin.toml")).unwrap();
    assert!(manifest.contains(line), "spin.toml has {line:?}");
    let manifest = manifest
        .replace(line, replacement)
        .replace("source = \"", &format!("source = \"{}/", repo.display()));
    let dir = std::env::temp_dir().join(format!("car-ml-{purpose}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spin.toml");
    std::fs::write(&path, manifest).unwrap();
    path
}
