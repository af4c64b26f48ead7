//! The whole pipeline on a generated, hostile workspace: the input decides
//! the text of sources, a migration, an ADR and extra configuration, and the
//! odd shapes a pull request can give files (links out of the root, FIFOs,
//! links to devices, deep nesting, long `#[path]` chains, huge files). The
//! run must end — findings, diagnostics or a configuration error — without a
//! panic, a hang, or reading the secret outside the workspace.
//!
//! `cargo metadata` runs once; each input then goes through configuration,
//! classification, facts, graphs, every check and every report format.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const SECRET: &str = "FUZZ-SECRET-4b1d";

const ROOT: &str = "[workspace]\nresolver = \"2\"\nmembers = [\"services/orders\", \"services/billing\"]\n";
const ORDERS: &str = "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nbilling = { path = \"../billing\" }\n";
const BILLING: &str = "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
const CONFIG: &str = "version = 1\nadr_dir = \"docs/adr\"\n[[service]]\nname = \"orders\"\ncrates = [\"services/orders\"]\nhosts = [\"orders\"]\ntopics = [\"orders.*\"]\n[[service]]\nname = \"billing\"\ncrates = [\"services/billing\"]\nhosts = [\"billing\"]\n\n[[rule]]\nid = \"deps\"\ncheck = \"service-dependency\"\nadr = \"0001-decision.md\"\n[[rule]]\nid = \"modules\"\ncheck = \"cycles\"\nlevel = \"module\"\n[[rule]]\nid = \"services\"\ncheck = \"cycles\"\nlevel = \"service\"\n[[rule]]\nid = \"tables\"\ncheck = \"cross-service-db\"\n[[rule]]\nid = \"sagas\"\ncheck = \"saga-compensation\"\n[[rule]]\nid = \"layers\"\ncheck = \"layers\"\nlayers = [{ name = \"domain\", modules = [\"domain\", \"domain::*\"] }, { name = \"adapters\", modules = [\"*\"] }]\n";

struct Scratch {
    base: PathBuf,
    root: PathBuf,
    workspace: archfit::workspace::Workspace,
}

fn scratch() -> &'static Scratch {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("archfit-fuzz-{}", std::process::id()));
        let root = base.join("ws");
        let _ = std::fs::remove_dir_all(&base);
        write(&base.join("outside/secret.rs"), &format!("pub const S: &str = \"{SECRET}\";\n"));
        write(&base.join("outside/secret.sql"), &format!("CREATE TABLE t (id int); -- {SECRET}\n"));
        lay_out(&root, &Input::default());
        let workspace = archfit::workspace::load(Some(&root.join("Cargo.toml")))
            .expect("the fuzz workspace loads");
        Scratch { base, root, workspace }
    })
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// What one input says about the workspace.
#[derive(Default)]
struct Input {
    handlers: String,
    billing: String,
    migration: String,
    adr: String,
    config: String,
    shapes: Vec<u8>,
}

impl Input {
    fn from(data: &[u8]) -> Input {
        let mut parts = data.split(|&b| b == 0xff);
        let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let handlers = text();
        let billing = text();
        let migration = text();
        let adr = text();
        let config = text();
        let shapes = parts.next().unwrap_or_default().to_vec();
        Input { handlers, billing, migration, adr, config, shapes }
    }
}

fn lay_out(root: &Path, input: &Input) {
    let _ = std::fs::remove_dir_all(root);
    write(&root.join("Cargo.toml"), ROOT);
    write(&root.join("services/orders/Cargo.toml"), ORDERS);
    write(&root.join("services/billing/Cargo.toml"), BILLING);
    write(&root.join("archfit.toml"), &format!("{CONFIG}{}", input.config));
    write(&root.join("docs/adr/0001-decision.md"), &format!("# Decision\n\n{}", input.adr));
    write(
        &root.join("services/orders/src/main.rs"),
        "mod handlers;\nmod domain;\nmod extra;\nfn main() {}\n",
    );
    write(&root.join("services/orders/src/domain.rs"), "use crate::handlers::*;\n");
    write(&root.join("services/orders/src/handlers.rs"), &input.handlers);
    write(&root.join("services/orders/src/extra.rs"), "");
    write(&root.join("services/billing/src/lib.rs"), &input.billing);
    write(&root.join("services/billing/migrations/0001_init.sql"), &input.migration);
    for (index, &shape) in input.shapes.iter().take(8).enumerate() {
        odd_shape(root, index, shape);
    }
}

/// Gives one file an odd shape, chosen by `shape`.
fn odd_shape(root: &Path, index: usize, shape: u8) {
    let targets = [
        "services/orders/src/handlers.rs",
        "services/orders/src/extra.rs",
        "services/billing/src/lib.rs",
        "services/billing/migrations/0001_init.sql",
        "docs/adr/0001-decision.md",
        "archfit.toml",
    ];
    let target = root.join(targets[(shape as usize + index) % targets.len()]);
    let outside = root.parent().expect("base").join("outside");
    let _ = std::fs::remove_file(&target);
    let amount = (shape >> 4) as usize + 1;
    match shape % 8 {
        0 => symlink(&outside.join("secret.rs"), &target),
        1 => symlink(Path::new("/dev/zero"), &target),
        2 => {
            let path = std::ffi::CString::new(target.as_os_str().as_encoded_bytes()).expect("path");
            // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
            unsafe { libc::mkfifo(path.as_ptr(), 0o600) };
        }
        3 => write(&target, &format!("fn f() {{ {}1{} }}", "(".repeat(amount * 100), ")".repeat(amount * 100))),
        4 => write(&target, &format!("fn f() {{ x{}; }}", ".a()".repeat(amount * 600))),
        5 => {
            // A `#[path]` chain.
            write(&target, "#[path = \"chain/c0.rs\"]\nmod c0;\n");
            let dir = target.parent().expect("parent").join("chain");
            for n in 0..amount * 8 {
                write(&dir.join(format!("c{n}.rs")), &format!("#[path = \"c{}.rs\"]\npub mod c;\n", n + 1));
            }
        }
        6 => {
            let mut big = String::from("// generated\n");
            big.push_str(&"x".repeat(amount * 1024 * 1024));
            write(&target, &big);
        }
        _ => symlink(&outside, &root.join("services/orders/migrations")),
    }
}

fn symlink(target: &Path, link: &Path) {
    let _ = std::fs::remove_file(link);
    let _ = std::fs::create_dir_all(link.parent().expect("parent"));
    let _ = std::os::unix::fs::symlink(target, link);
}

fuzz_target!(|data: &[u8]| {
    let scratch = scratch();
    let input = Input::from(data);
    lay_out(&scratch.root, &input);
    let loaded = match archfit::model::build(scratch.workspace.clone(), None) {
        Ok(loaded) => loaded,
        Err(error) => {
            let text = archfit::report::render_error(&error, false);
            assert!(!text.contains(SECRET), "secret in a config error");
            return;
        }
    };
    match archfit::run(&loaded, &[]) {
        Ok(outcome) => {
            for format in archfit::report::Format::ALL {
                let text = archfit::report::render(&outcome, *format, &Default::default());
                assert!(!text.contains(SECRET), "secret in the {} report", format.name());
            }
        }
        Err(error) => {
            let text = archfit::report::render_error(&error, false);
            assert!(!text.contains(SECRET), "secret in an error");
        }
    }
    let _ = &scratch.base;
});
