//! Image references: what `--registry` accepts, and the digest `spin registry
//! push` reports.

use std::fmt;

/// A registry repository and tag, as `--registry` takes it:
/// `host[:port]/path/name[:tag]`, for example `ghcr.io/you/car-ml:0.1.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path inside the registry, e.g. `you/car-ml`.
    pub repository: String,
    pub tag: String,
}

/// Why a `--registry` value is not a usable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    /// No `host/` in front: Spin would guess a registry, a deployment must not.
    NoRegistryHost(String),
    /// A digest names content that already exists; a deployment pushes new content.
    HasDigest(String),
    /// Upper case or an empty path segment: registries refuse those names.
    BadRepository(String),
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRegistryHost(r) => write!(
                f,
                "`{r}` does not name a registry: use <registry>/<repository>[:<tag>], e.g. ghcr.io/you/car-ml"
            ),
            Self::HasDigest(r) => write!(
                f,
                "`{r}` pins a digest: --registry takes a repository and an optional tag, the push makes the digest"
            ),
            Self::BadRepository(r) => write!(
                f,
                "`{r}` is not a valid repository name: use lower case and no empty path segments"
            ),
        }
    }
}

impl std::error::Error for ReferenceError {}

impl ImageRef {
    /// Parses `text`, tagging it `default_tag` (the app's version) when it has no tag.
    pub fn parse(text: &str, default_tag: &str) -> Result<Self, ReferenceError> {
        if text.contains('@') {
            return Err(ReferenceError::HasDigest(text.to_owned()));
        }
        let (registry, path) = text
            .split_once('/')
            .filter(|(host, _)| host.contains('.') || host.contains(':') || *host == "localhost")
            .ok_or_else(|| ReferenceError::NoRegistryHost(text.to_owned()))?;
        // A colon after the last slash separates the tag.
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, tag),
            _ => (path, default_tag),
        };
        if repository.split('/').any(str::is_empty)
            || repository.chars().any(|c| c.is_ascii_uppercase())
            || tag.is_empty()
        {
            return Err(ReferenceError::BadRepository(text.to_owned()));
        }
        Ok(Self {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: tag.to_owned(),
        })
    }

    /// `registry/repository:tag`, what is pushed.
    pub fn tagged(&self) -> String {
        format!("{}/{}:{}", self.registry, self.repository, self.tag)
    }

    /// `registry/repository@digest`, what the cluster runs.
    pub fn with_digest(&self, digest: &str) -> String {
        format!("{}/{}@{digest}", self.registry, self.repository)
    }
}

/// The digest in `spin registry push`'s report, `Pushed with digest sha256:...`
/// (spinframework/spin, src/commands/registry.rs, `Push::run`).
pub fn pushed_digest(spin_output: &str) -> Option<String> {
    spin_output.lines().find_map(|line| {
        let digest = line.trim().strip_prefix("Pushed with digest ")?.trim();
        is_sha256_digest(digest).then(|| digest.to_owned())
    })
}

/// `sha256:` and 64 lower-case hex digits.
pub fn is_sha256_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0a867093096e0ef01ef749b12b6e7a90e4952eda107f89a676eeedce63a8361f";

    #[test]
    fn a_reference_without_a_tag_gets_the_default_tag() {
        let image = ImageRef::parse("ghcr.io/you/car-ml", "0.1.0").unwrap();
        assert_eq!(image.tagged(), "ghcr.io/you/car-ml:0.1.0");
        assert_eq!(image.repository, "you/car-ml");
    }

    #[test]
    fn a_registry_port_is_not_taken_for_a_tag() {
        let image = ImageRef::parse("127.0.0.1:5000/car-ml", "0.1.0").unwrap();
        assert_eq!(image.registry, "127.0.0.1:5000");
        assert_eq!(image.tag, "0.1.0");
        let tagged = ImageRef::parse("127.0.0.1:5000/car-ml:test", "0.1.0").unwrap();
        assert_eq!(tagged.tag, "test");
        assert_eq!(
            tagged.with_digest(DIGEST),
            format!("127.0.0.1:5000/car-ml@{DIGEST}")
        );
    }

    #[test]
    fn a_reference_needs_a_registry_host() {
        assert_eq!(
            ImageRef::parse("you/car-ml", "0.1.0"),
            Err(ReferenceError::NoRegistryHost("you/car-ml".into()))
        );
        assert!(ImageRef::parse("car-ml", "0.1.0").is_err());
        assert!(ImageRef::parse("localhost/car-ml", "0.1.0").is_ok());
    }

    #[test]
    fn a_reference_with_a_digest_or_upper_case_is_refused() {
        assert!(matches!(
            ImageRef::parse(&format!("ghcr.io/you/car-ml@{DIGEST}"), "0.1.0"),
            Err(ReferenceError::HasDigest(_))
        ));
        assert!(matches!(
            ImageRef::parse("ghcr.io/You/car-ml", "0.1.0"),
            Err(ReferenceError::BadRepository(_))
        ));
        assert!(matches!(
            ImageRef::parse("ghcr.io//car-ml", "0.1.0"),
            Err(ReferenceError::BadRepository(_))
        ));
    }

    #[test]
    fn the_digest_is_read_from_spin_registry_push_output() {
        let output = format!("Pushing app to the Registry...\nPushed with digest {DIGEST}\n");
        assert_eq!(pushed_digest(&output).as_deref(), Some(DIGEST));
        assert_eq!(
            pushed_digest("Pushed; the registry did not return the digest\n"),
            None
        );
        assert_eq!(pushed_digest("Pushed with digest sha256:abc\n"), None);
    }
}
