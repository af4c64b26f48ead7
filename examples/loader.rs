//! Compares the two workspace loaders: the manifests read directly and
//! `cargo metadata` (the reference), on each workspace named, and times
//! both. `cargo run --release --example loader -- path/to/Cargo.toml …`
//! prints one line per workspace and exits 1 when any differs.

use std::path::PathBuf;
use std::time::Instant;

use archfit::workspace::{load_with, Loader};

fn main() {
    let mut differ = false;
    for arg in std::env::args().skip(1) {
        let manifest = PathBuf::from(&arg);
        let started = Instant::now();
        let cargo = load_with(Some(&manifest), Loader::Cargo);
        let cargo_ms = started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        let manifests = load_with(Some(&manifest), Loader::Manifests);
        let manifests_ms = started.elapsed().as_secs_f64() * 1000.0;
        match (cargo, manifests) {
            (Ok(cargo), Ok(manifests)) => {
                let (a, b) = (format!("{cargo:#?}"), format!("{manifests:#?}"));
                let same = a == b;
                differ |= !same;
                println!(
                    "{arg}: {} members, {}, cargo metadata {cargo_ms:.0} ms, manifests {manifests_ms:.0} ms",
                    cargo.members.len(),
                    if same { "same" } else { "DIFFERENT" }
                );
                if !same {
                    for (x, y) in a.lines().zip(b.lines()).filter(|(x, y)| x != y).take(10) {
                        println!("  cargo:     {x}\n  manifests: {y}");
                    }
                }
            }
            (Ok(_), Err(why)) => println!("{arg}: manifests not enough ({why}); cargo is used"),
            (Err(e), _) => {
                differ = true;
                println!("{arg}: cargo failed: {e}");
            }
        }
    }
    std::process::exit(i32::from(differ));
}
