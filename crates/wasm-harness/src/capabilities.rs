//! The host interfaces Spin keeps from a component dependency unless the
//! component that depends on it sets `dependencies_inherit_configuration`.
//!
//! When Spin composes a dependency that imports any of these, it plugs the
//! import with its deny-all adapter, a component of its own that answers
//! every call with a denial or nothing. The lists are Spin's
//! `CAPABILITY_SETS` (`crates/capabilities/src/lib.rs` in the Spin repository,
//! as of Spin 4.0.2; Spin 3.6.3's sets name the same interfaces, at WASI
//! 0.2 versions only). Spin matches an import to a listed name when the two
//! are semver-compatible; [`gated`] matches any version of a listed interface,
//! which covers both releases.

/// Spin's capability sets: the manifest setting that lets a component use
/// them, and the interfaces each covers.
pub const SPIN_CAPABILITY_SETS: &[(&str, &[&str])] = &[
    ("ai_models", &["fermyon:spin/llm@2.0.0"]),
    (
        "allowed_outbound_hosts",
        &[
            "fermyon:spin/mqtt@2.0.0",
            "fermyon:spin/redis@2.0.0",
            "spin:mqtt/mqtt@3.0.0",
            "spin:redis/redis@3.0.0",
            "wasi:http/client@0.3.0-rc-2026-03-15",
            "wasi:http/outgoing-handler@0.2.6",
            "wasi:sockets/ip-name-lookup@0.2.6",
            "wasi:sockets/ip-name-lookup@0.3.0-rc-2026-03-15",
            "wasi:sockets/tcp-create-socket@0.2.6",
            "wasi:sockets/tcp@0.2.6",
            "wasi:sockets/udp-create-socket@0.2.6",
            "wasi:sockets/udp@0.2.6",
        ],
    ),
    (
        "environment",
        &[
            "wasi:cli/environment@0.2.6",
            "wasi:cli/environment@0.3.0-rc-2026-03-15",
        ],
    ),
    (
        "files",
        &[
            "wasi:filesystem/preopens@0.2.6",
            "wasi:filesystem/preopens@0.3.0-rc-2026-03-15",
        ],
    ),
    (
        "key_value_stores",
        &[
            "fermyon:spin/key-value@2.0.0",
            "spin:key-value/key-value@3.0.0",
            "wasi:keyvalue/store@0.2.0-draft2",
        ],
    ),
    (
        "sqlite_databases",
        &[
            "fermyon:spin/mysql@2.0.0",
            "fermyon:spin/postgres@2.0.0",
            "fermyon:spin/sqlite@2.0.0",
            "spin:postgres/postgres@3.0.0",
            "spin:postgres/postgres@4.2.0",
            "spin:sqlite/sqlite@3.1.0",
        ],
    ),
    (
        "variables",
        &[
            "fermyon:spin/variables@2.0.0",
            "spin:variables/variables@3.0.0",
        ],
    ),
];

/// The imports among `imports` that Spin would plug with its deny-all
/// adapter in a dependency that does not inherit its parent's configuration.
pub fn gated<'a>(imports: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    let unversioned = |name: &'a str| name.split_once('@').map_or(name, |(name, _)| name);
    imports
        .into_iter()
        .map(String::as_str)
        .filter(|import| {
            SPIN_CAPABILITY_SETS
                .iter()
                .flat_map(|(_, interfaces)| interfaces.iter())
                .any(|listed| unversioned(listed) == unversioned(import))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_version_of_a_listed_interface_is_gated() {
        let imports = [
            "wasi:cli/environment@0.2.3".to_owned(),
            "wasi:filesystem/preopens@0.2.12".to_owned(),
            "wasi:cli/stderr@0.2.6".to_owned(),
            "wasi:http/types@0.2.6".to_owned(),
        ];
        assert_eq!(
            gated(&imports),
            [
                "wasi:cli/environment@0.2.3",
                "wasi:filesystem/preopens@0.2.12"
            ]
        );
    }

    #[test]
    fn an_interface_sharing_only_the_package_is_not_gated() {
        let imports = ["wasi:filesystem/types@0.2.6".to_owned()];
        assert!(gated(&imports).is_empty());
    }
}
