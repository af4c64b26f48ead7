//! The package as published: a `rust-version` every locked dependency
//! builds with, and the licence files `license` names.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `1.88`, `1.88.0` → `(1, 88, 0)`; `None` for anything else.
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

#[test]
fn rust_version_is_at_least_that_of_every_locked_dependency() {
    // Every package of Cargo.lock, for every platform, dev-dependencies
    // included: a contributor on any platform runs the tests too.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .arg("--manifest-path")
        .arg(repository().join("Cargo.toml"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let ours = packages
        .iter()
        .find(|p| p["name"] == "cargo-archfit")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml has a rust-version");
    let ours = version(ours).expect("rust-version is a version");
    let mut needs: Vec<((u64, u64, u64), String)> = packages
        .iter()
        .filter(|p| p["name"] != "cargo-archfit")
        .filter_map(|p| {
            let needed = version(p["rust_version"].as_str()?)?;
            let name = p["name"].as_str().unwrap_or_default();
            let release = p["version"].as_str().unwrap_or_default();
            Some((needed, format!("{name} {release}")))
        })
        .collect();
    assert!(needs.len() > 20, "{needs:?}");
    needs.sort();
    let highest = needs.last().map(|(v, _)| *v).unwrap_or_default();
    let above: Vec<&str> = needs
        .iter()
        .filter(|(needed, _)| *needed > ours)
        .map(|(_, name)| name.as_str())
        .collect();
    assert!(
        above.is_empty(),
        "rust-version {ours:?} is below what these locked packages need \
         (highest {highest:?}): {above:?}"
    );
    // And not above it either: a higher rust-version would turn away
    // toolchains that build the tool fine.
    assert_eq!(ours, highest, "rust-version should be the highest need");
}

#[test]
fn the_licences_cargo_toml_names_are_in_the_repository() {
    let manifest = std::fs::read_to_string(repository().join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = std::fs::read_to_string(repository().join("LICENSE-MIT")).expect("LICENSE-MIT");
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    assert!(mit.contains("The cargo-archfit developers"));
    let apache =
        std::fs::read_to_string(repository().join("LICENSE-APACHE")).expect("LICENSE-APACHE");
    assert!(apache.contains("Apache License"));
    assert!(apache.contains("Version 2.0, January 2004"));
    assert!(apache.contains("Copyright 2026 The cargo-archfit developers"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
}
