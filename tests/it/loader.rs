//! The workspace read from its manifests must be the one `cargo metadata`
//! gives: cargo is the oracle, on every fixture and on workspaces written
//! for the rules the reader reimplements (target discovery, inherited and
//! renamed dependencies, path dependencies as members, `exclude`).

use std::path::{Path, PathBuf};

use archfit::workspace::{load_with, Loader};

use crate::{fixture, write_workspace};

/// Both loaders' view of the workspace at `dir`, as text.
fn both(dir: &Path) -> (Result<String, String>, Result<String, String>) {
    let manifest = dir.join("Cargo.toml");
    let show = |loader| {
        load_with(Some(&manifest), loader)
            .map(|w| format!("{w:#?}"))
            .map_err(|e| e.to_string())
    };
    (show(Loader::Cargo), show(Loader::Manifests))
}

#[track_caller]
fn assert_same(dir: &Path) {
    match both(dir) {
        (Ok(cargo), Ok(manifests)) => {
            if cargo != manifests {
                let first = cargo
                    .lines()
                    .zip(manifests.lines())
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("cargo: {a}\nmanifests: {b}"))
                    .unwrap_or_else(|| "lengths differ".into());
                panic!("{} loads differently:\n{first}", dir.display());
            }
        }
        (cargo, manifests) => panic!(
            "{}: cargo {:?}, manifests {:?}",
            dir.display(),
            cargo.map(|_| "loads"),
            manifests.map(|_| "loads")
        ),
    }
}

/// Workspace roots under `fixtures/` (a manifest with `[workspace]`).
fn fixture_workspaces(dir: &Path, out: &mut Vec<PathBuf>) {
    let manifest = dir.join("Cargo.toml");
    if std::fs::read_to_string(&manifest).is_ok_and(|t| t.contains("[workspace]")) {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| !p.ends_with("target"))
        .collect();
    dirs.sort();
    for dir in dirs {
        fixture_workspaces(&dir, out);
    }
}

#[test]
fn every_fixture_loads_from_its_manifests_as_cargo_loads_it() {
    let mut roots = Vec::new();
    fixture_workspaces(&fixture(""), &mut roots);
    assert!(roots.len() > 100, "only {} fixture workspaces", roots.len());
    let mut compared = 0;
    for root in &roots {
        match both(root) {
            // A workspace cargo refuses must not load from the manifests
            // either (the automatic loader then shows cargo's error).
            (Err(_), manifests) => assert!(
                manifests.is_err(),
                "{}: cargo refuses it, the manifests load",
                root.display()
            ),
            _ => {
                assert_same(root);
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "only {compared} compared");
}

#[test]
fn targets_follow_cargos_discovery_and_order() {
    let dir = write_workspace(
        "loader-targets",
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"services/*\"]\nresolver = \"2\"\n"),
            // Explicit bins with discovery off keep the manifest's order;
            // one without `path` is found in src/bin/<name>/main.rs.
            (
                "services/billing/Cargo.toml",
                "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\nautobins = false\n\n\
                 [[bin]]\nname = \"billing-worker\"\npath = \"src/worker.rs\"\n\n\
                 [[bin]]\nname = \"billing-api\"\n\n[[bin]]\nname = \"admin\"\npath = \"src/admin.rs\"\n",
            ),
            ("services/billing/src/worker.rs", "fn main() {}\n"),
            ("services/billing/src/admin.rs", "fn main() {}\n"),
            ("services/billing/src/bin/billing-api/main.rs", "fn main() {}\n"),
            ("services/billing/src/bin/ignored.rs", "fn main() {}\n"),
            // Discovery on: explicit and inferred targets listed by name,
            // examples/tests/benches from files and folders, a build script.
            (
                "services/orders/Cargo.toml",
                "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [[bin]]\nname = \"orders-migrate\"\npath = \"src/migrate.rs\"\n\n\
                 [[test]]\nname = \"contract\"\nharness = false\n",
            ),
            ("services/orders/src/main.rs", "fn main() {}\n"),
            ("services/orders/src/lib.rs", "\n"),
            ("services/orders/src/migrate.rs", "fn main() {}\n"),
            ("services/orders/src/bin/replay.rs", "fn main() {}\n"),
            ("services/orders/examples/place_order.rs", "fn main() {}\n"),
            ("services/orders/examples/bulk/main.rs", "fn main() {}\n"),
            ("services/orders/tests/contract.rs", "\n"),
            ("services/orders/tests/api.rs", "\n"),
            ("services/orders/benches/pricing.rs", "\n"),
            ("services/orders/build.rs", "fn main() {}\n"),
            // A proc-macro with its own name, a cdylib, a build script
            // elsewhere.
            (
                "services/macros/Cargo.toml",
                "[package]\nname = \"orders-macros\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\nname = \"derive_events\"\n",
            ),
            ("services/macros/src/lib.rs", "\n"),
            (
                "services/plugin/Cargo.toml",
                "[package]\nname = \"pricing-plugin\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"tools/gen.rs\"\n\n[lib]\ncrate-type = [\"cdylib\", \"rlib\"]\npath = \"plugin.rs\"\n",
            ),
            ("services/plugin/plugin.rs", "\n"),
            ("services/plugin/tools/gen.rs", "fn main() {}\n"),
        ],
    );
    assert_same(&dir);
}

#[test]
fn dependencies_are_inherited_renamed_and_per_platform_as_cargo_lists_them() {
    let dir = write_workspace(
        "loader-dependencies",
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"services/shipping\"]\nresolver = \"2\"\n\n\
                 [workspace.package]\nedition = \"2021\"\n\n\
                 [workspace.dependencies]\nserde = \"1\"\nledger = { path = \"libs/ledger\", package = \"acme-ledger\" }\n",
            ),
            (
                "services/shipping/Cargo.toml",
                "[package]\nname = \"shipping\"\nversion = \"0.1.0\"\nedition.workspace = true\n\n\
                 [dependencies]\nserde = { workspace = true, features = [\"derive\"] }\nledger.workspace = true\n\
                 geo = { package = \"shipping-geo\", path = \"../../libs/geo\" }\ntokio = \"1\"\n\n\
                 [dev_dependencies]\ninsta = \"1\"\n\n\
                 [build-dependencies]\ncc = \"1\"\n\n\
                 [target.'cfg(all(unix,not(target_os=\"macos\")))'.dependencies]\nnix = \"0.29\"\n\n\
                 [target.x86_64-unknown-linux-gnu.dev-dependencies]\nprocfs = \"0.17\"\n",
            ),
            ("services/shipping/src/main.rs", "fn main() {}\n"),
            // Path dependencies inside the root are members even when
            // `members` does not name them.
            (
                "libs/ledger/Cargo.toml",
                "[package]\nname = \"acme-ledger\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("libs/ledger/src/lib.rs", "\n"),
            (
                "libs/geo/Cargo.toml",
                "[package]\nname = \"shipping-geo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("libs/geo/src/lib.rs", "\n"),
        ],
    );
    assert_same(&dir);
}

#[test]
fn excluded_folders_and_a_member_as_the_starting_manifest_load_as_cargo_loads_them() {
    let dir = write_workspace(
        "loader-exclude",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"gateway\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nvendored = { path = \"vendor/vendored\" }\n\n\
                 [workspace]\nmembers = [\"crates/*\"]\nexclude = [\"vendor\", \"crates/experiments\"]\n",
            ),
            ("src/main.rs", "fn main() {}\n"),
            (
                "crates/auth/Cargo.toml",
                "[package]\nname = \"auth\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("crates/auth/src/lib.rs", "\n"),
            ("crates/README.md", "Shared crates of the gateway.\n"),
            (
                "vendor/vendored/Cargo.toml",
                "[package]\nname = \"vendored\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("vendor/vendored/src/lib.rs", "\n"),
        ],
    );
    assert_same(&dir);
    // Started from a member's manifest, the root is found above it.
    let member = dir.join("crates/auth/Cargo.toml");
    let cargo = load_with(Some(&member), Loader::Cargo).expect("cargo loads");
    let manifests = load_with(Some(&member), Loader::Manifests).expect("manifests load");
    assert_eq!(format!("{cargo:#?}"), format!("{manifests:#?}"));
}

#[test]
fn a_package_with_no_workspace_is_its_only_member() {
    let dir = write_workspace(
        "loader-alone",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"ledger-cli\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nledger = { path = \"ledger\" }\n",
            ),
            ("src/main.rs", "fn main() {}\n"),
            (
                "ledger/Cargo.toml",
                "[package]\nname = \"ledger\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("ledger/src/lib.rs", "\n"),
        ],
    );
    assert_same(&dir);
}

#[cfg(unix)]
#[test]
fn a_symlinked_member_is_left_to_cargo() {
    let dir = write_workspace(
        "loader-symlink",
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"services/*\"]\n"),
            (
                "elsewhere/billing/Cargo.toml",
                "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("elsewhere/billing/src/main.rs", "fn main() {}\n"),
        ],
    );
    std::fs::create_dir_all(dir.join("services")).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("elsewhere/billing"), dir.join("services/billing"))
        .expect("symlink");
    let manifest = dir.join("Cargo.toml");
    let refused = load_with(Some(&manifest), Loader::Manifests).expect_err("not read alone");
    assert!(refused.to_string().contains("symlink"), "{refused}");
    let auto = load_with(Some(&manifest), Loader::Auto).expect("cargo loads it");
    let cargo = load_with(Some(&manifest), Loader::Cargo).expect("cargo loads it");
    assert_eq!(format!("{auto:#?}"), format!("{cargo:#?}"));
}
