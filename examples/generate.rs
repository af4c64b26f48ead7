//! Writes a deterministic multi-service cargo workspace, for the benchmark
//! (`examples/bench.rs`) and for trying cargo-archfit on something large.
//!
//! ```text
//! cargo run --release --example generate -- --services 50 --modules 20 --seed 42 --out /tmp/ws
//! cargo run --release -- check --manifest-path /tmp/ws/Cargo.toml
//! ```
//!
//! The workspace has N bin services `services/svc-XXXX` with M module files
//! each, a published `services/svc-XXXX-client` per service, an internal
//! `services/svc-XXXX-core` in every fifth service, shared `libs/domain-K`
//! crates, the platform crates `libs/telemetry` and `libs/config`, migrations,
//! an `archfit.toml` with the two manifest rules, and `archfit-all.toml`
//! which adds the rules that read sources (`--config archfit-all.toml`).
//! Some services reach into another service's `-core` crate, query its
//! tables, or publish to its topics; popular domain crates are used by more
//! than three services; modules import each other in cycles: every rule has
//! findings.
//!
//! The same arguments always give byte-identical files: all randomness comes
//! from a seeded splitmix64, and each service draws from its own stream, so
//! services are written in parallel without changing the output.
#![allow(clippy::disallowed_methods)] // writes the generated workspace

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// File at the root of a generated workspace: its [`Spec::marker`]. It lets
/// the benchmark reuse a workspace and lets the generator replace one it wrote
/// without ever deleting a directory it did not create.
pub const MARKER: &str = ".archfit-generated";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub services: usize,
    /// Module files per service, besides `src/main.rs`.
    pub modules: usize,
    pub seed: u64,
}

impl Spec {
    /// The marker text: the spec plus a hash of this generator's source, so a
    /// changed generator never reuses a stale workspace.
    pub fn marker(&self) -> String {
        format!(
            "services={} modules={} seed={} generator={:016x}\n",
            self.services,
            self.modules,
            self.seed,
            fnv1a(include_str!("generate.rs").as_bytes())
        )
    }
}

/// Files and bytes written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
}

impl std::ops::Add for Summary {
    type Output = Summary;
    fn add(self, other: Summary) -> Summary {
        Summary {
            files: self.files + other.files,
            bytes: self.bytes + other.bytes,
        }
    }
}

/// Whether `out` holds a workspace generated from exactly this spec and
/// generator.
pub fn is_current(spec: &Spec, out: &Path) -> bool {
    fs::read_to_string(out.join(MARKER)).is_ok_and(|text| text == spec.marker())
}

/// Writes the workspace of `spec` into `out`, replacing a workspace this
/// generator wrote there before. Refuses a non-empty directory without the
/// marker.
pub fn generate(spec: &Spec, out: &Path) -> io::Result<Summary> {
    if spec.services == 0 || spec.modules == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "--services and --modules must be at least 1",
        ));
    }
    if out.exists() {
        let empty = fs::read_dir(out)?.next().is_none();
        if !empty && !out.join(MARKER).is_file() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} is not empty and was not written by this generator; pick another --out",
                    out.display()
                ),
            ));
        }
        fs::remove_dir_all(out)?;
    }
    fs::create_dir_all(out)?;

    let plans = plan(spec);
    let domains = domain_count(spec.services);
    let mut summary = Summary::default();
    summary = summary + put(out, "Cargo.toml", &root_manifest(&plans, domains))?;
    summary = summary + put(out, "archfit.toml", &archfit_toml(spec, &plans, ""))?;
    summary = summary
        + put(
            out,
            ALL_RULES_FILE,
            &archfit_toml(spec, &plans, SOURCE_RULES),
        )?;
    summary = summary + write_platform(out)?;
    for number in 1..=domains {
        summary = summary + write_domain(out, number, domains)?;
    }
    let services = plans
        .par_iter()
        .map(|plan| write_service(out, spec, &plans, plan))
        .collect::<io::Result<Vec<Summary>>>()?;
    summary = services.into_iter().fold(summary, |a, b| a + b);
    // Last, so an interrupted run never looks complete.
    summary = summary + put(out, MARKER, &spec.marker())?;
    Ok(summary)
}

fn put(root: &Path, relative: &str, text: &str) -> io::Result<Summary> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&path, text)?;
    Ok(Summary {
        files: 1,
        bytes: text.len() as u64,
    })
}

// ---------------------------------------------------------------------------
// Randomness

/// splitmix64: tiny, fast and the same on every platform.
pub struct Rng(u64);

impl Rng {
    /// Stream `stream` of `seed`; different streams are independent.
    pub fn derive(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must not be 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------
// The plan: every decision that crosses services, made before any file is
// written.

const TABLES: &[&str] = &[
    "orders",
    "order_items",
    "customers",
    "payments",
    "invoices",
    "shipments",
    "stock_levels",
    "reservations",
    "accounts",
    "ledger_entries",
    "refunds",
    "carts",
    "sessions",
    "outbox",
    "audit_log",
    "price_lists",
    "vouchers",
    "bookings",
];

const MODULE_NAMES: &[&str] = &[
    "billing",
    "orders",
    "pricing",
    "customers",
    "shipping",
    "catalog",
    "payments",
    "inventory",
    "ledger",
    "audit",
    "auth",
    "cart",
    "refunds",
    "invoices",
    "reports",
    "search",
    "reviews",
    "promotions",
    "tax",
    "fulfilment",
    "returns",
    "accounts",
    "sessions",
    "loyalty",
    "discounts",
    "checkout",
    "warehouse",
    "carriers",
    "quotes",
    "subscriptions",
    "webhooks",
    "schedules",
    "exports",
    "imports",
    "pricing_rules",
    "currency",
    "addresses",
    "contacts",
    "documents",
    "approvals",
    "limits",
    "risk",
    "fraud",
    "settlement",
    "payouts",
    "disputes",
    "vouchers",
    "bundles",
    "ratings",
    "recommendations",
    "notifications",
    "templates",
    "rates",
    "zones",
    "slots",
    "bookings",
    "tickets",
    "seats",
    "routes",
    "drivers",
];

struct ServicePlan {
    number: usize,
    /// Base names; the table is `svc_XXXX_<base>`.
    tables: Vec<&'static str>,
    domains: Vec<usize>,
    /// Services whose published client this one depends on (allowed).
    clients: Vec<usize>,
    /// Services this one calls by URL.
    calls: Vec<usize>,
    subscribes: Vec<usize>,
    /// Planted: publishes to another service's topic.
    foreign_topic: Option<usize>,
    /// Planted: queries another service's table.
    foreign_table: Option<usize>,
    /// Planted: depends on another service's `-core` crate.
    core_dep: Option<usize>,
    has_core: bool,
    saga: bool,
}

fn domain_count(services: usize) -> usize {
    (services / 8).max(3)
}

fn has_core(number: usize) -> bool {
    number % 5 == 1
}

/// A service other than `me` (1-based numbers); needs `n >= 2`.
fn other(rng: &mut Rng, n: usize, me: usize) -> usize {
    let k = rng.range(1, n - 1);
    if k >= me {
        k + 1
    } else {
        k
    }
}

fn distinct_others(rng: &mut Rng, n: usize, me: usize, count: usize) -> Vec<usize> {
    let mut out = Vec::new();
    if n < 2 {
        return out;
    }
    while out.len() < count.min(n - 1) {
        let k = other(rng, n, me);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// Low numbers are popular: the minimum of two uniform draws.
fn skewed(rng: &mut Rng, n: usize) -> usize {
    rng.below(n).min(rng.below(n)) + 1
}

fn plan(spec: &Spec) -> Vec<ServicePlan> {
    let n = spec.services;
    let domains = domain_count(n);
    let mut rng = Rng::derive(spec.seed, 0);
    let mut plans = Vec::with_capacity(n);
    for number in 1..=n {
        let mut tables = TABLES.to_vec();
        rng.shuffle(&mut tables);
        tables.truncate(rng.range(2, 4));
        let mut picked = vec![skewed(&mut rng, domains)];
        if rng.chance(40) {
            let d = skewed(&mut rng, domains);
            if !picked.contains(&d) {
                picked.push(d);
            }
        }
        let count = rng.range(1, 3);
        let calls = distinct_others(&mut rng, n, number, count);
        let clients = calls.iter().copied().filter(|_| rng.chance(50)).collect();
        let count = rng.range(1, 2);
        let subscribes = distinct_others(&mut rng, n, number, count);
        let foreign_topic = (n > 1 && rng.chance(5)).then(|| other(&mut rng, n, number));
        let foreign_table = (n > 1 && rng.chance(5)).then(|| other(&mut rng, n, number));
        plans.push(ServicePlan {
            number,
            tables,
            domains: picked,
            clients,
            calls,
            subscribes,
            foreign_topic,
            foreign_table,
            core_dep: None,
            has_core: has_core(number),
            saga: number % 4 == 2,
        });
    }
    let cores: Vec<usize> = (1..=n).filter(|&k| has_core(k)).collect();
    for plan in &mut plans {
        if rng.chance(10) {
            let target = *rng.pick(&cores);
            if target != plan.number {
                plan.core_dep = Some(target);
            }
        }
    }
    // Always at least one planted finding of each kind.
    if n >= 2 {
        let last = plans.last_mut().expect("n >= 2");
        last.core_dep.get_or_insert(1);
        last.foreign_table.get_or_insert(1);
        last.foreign_topic.get_or_insert(1);
    }
    plans
}

fn svc(number: usize) -> String {
    format!("svc-{number:04}")
}

fn svc_ident(number: usize) -> String {
    format!("svc_{number:04}")
}

fn svc_pascal(number: usize) -> String {
    format!("Svc{number:04}")
}

fn pascal(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Workspace-level files

fn root_manifest(plans: &[ServicePlan], domains: usize) -> String {
    let mut members = vec!["libs/config".to_string(), "libs/telemetry".to_string()];
    members.extend((1..=domains).map(|k| format!("libs/domain-{k}")));
    for plan in plans {
        let name = svc(plan.number);
        members.push(format!("services/{name}"));
        members.push(format!("services/{name}-client"));
        if plan.has_core {
            members.push(format!("services/{name}-core"));
        }
    }
    let mut out =
        String::from("# Generated by cargo-archfit's examples/generate.rs; do not edit.\n");
    out.push_str("[workspace]\nresolver = \"2\"\nmembers = [\n");
    for member in &members {
        let _ = writeln!(out, "    \"{member}\",");
    }
    out.push_str(
        r#"]

[workspace.package]
version = "0.1.0"
edition = "2021"
rust-version = "1.78"
license = "LicenseRef-Proprietary"
publish = false

[workspace.dependencies]
acme-saga = "1.4"
anyhow = "1"
axum = { version = "0.7", features = ["macros"] }
rdkafka = { version = "0.36", features = ["cmake-build", "tokio"] }
reqwest = { version = "0.12", default-features = false, features = ["json", "rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
sqlx = { version = "0.8", features = ["runtime-tokio", "tls-rustls", "postgres", "macros", "migrate"] }
thiserror = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread", "signal", "time"] }
tracing = "0.1"
tracing-subscriber = { version = "0.3", features = ["env-filter", "json"] }

# Platform crates every service links.
config = { path = "libs/config" }
telemetry = { path = "libs/telemetry" }
"#,
    );
    out
}

/// A second configuration beside `archfit.toml`: the same services and
/// rules plus every check that reads sources, so the facts layer is measured
/// too (`archfit.toml` alone only needs manifests). Pass it with `--config`.
pub const ALL_RULES_FILE: &str = "archfit-all.toml";

/// Rules over source facts; extend as checks land.
const SOURCE_RULES: &str = r#"
[[rule]]
id = "no-module-cycles"
check = "cycles"
level = "module"

[[rule]]
id = "no-crate-cycles"
check = "cycles"
level = "crate"

[[rule]]
id = "no-service-cycles"
check = "cycles"
level = "service"

[[rule]]
id = "hexagonal-layers"
check = "layers"
layers = [
  { name = "adapters", modules = ["webhooks", "webhooks::*", "exports", "exports::*", "imports", "imports::*"] },
  { name = "application", modules = ["checkout", "checkout::*", "fulfilment", "fulfilment::*", "approvals", "approvals::*"] },
  { name = "domain", modules = ["ledger", "ledger::*", "pricing", "pricing::*", "tax", "tax::*"], forbidden_crates = ["sqlx", "axum", "reqwest"] },
]

[[rule]]
id = "services-own-their-tables"
check = "cross-service-db"

[[rule]]
id = "every-saga-step-can-be-undone"
check = "saga-compensation"

[[rule]]
id = "config-read-at-startup"
check = "symbols"
paths = ["std::env::var", "std::env::var_os"]
allowed_in = ["crate", "config", "config::*"]
"#;

fn archfit_toml(spec: &Spec, plans: &[ServicePlan], extra_rules: &str) -> String {
    let mut out = format!(
        "# Generated by `cargo run --example generate -- --services {} --modules {} --seed {}`.\n\
         version = 1\n",
        spec.services, spec.modules, spec.seed
    );
    for plan in plans {
        let name = svc(plan.number);
        let core = if plan.has_core {
            format!(", \"services/{name}-core\"")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "\n[[service]]\nname = \"{name}\"\n\
             crates = [\"services/{name}\", \"services/{name}-client\"{core}]\n\
             hosts = [\"{name}\"]\ntopics = [\"{name}.*\"]\n"
        );
    }
    out.push_str(
        r#"
[shared]
crates = ["libs/*"]
platform = ["libs/telemetry", "libs/config"]

[[rule]]
id = "services-do-not-depend-on-services"
check = "service-dependency"
allow = [{ from = "*", to = "*", crates = ["*-client"] }]

[[rule]]
id = "services-share-no-domain-code"
check = "shared-coupling"
max_services = 3
"#,
    );
    out.push_str(extra_rules);
    out
}

fn write_platform(out: &Path) -> io::Result<Summary> {
    let mut s = Summary::default();
    s = s + put(
        out,
        "libs/telemetry/Cargo.toml",
        &lib_manifest("telemetry", &["tracing", "tracing-subscriber"], &[]),
    )?;
    s = s + put(out, "libs/telemetry/src/lib.rs", TELEMETRY_LIB)?;
    s = s + put(out, "libs/telemetry/src/metrics.rs", TELEMETRY_METRICS)?;
    s = s + put(
        out,
        "libs/config/Cargo.toml",
        &lib_manifest("config", &["serde", "thiserror"], &[]),
    )?;
    s = s + put(out, "libs/config/src/lib.rs", CONFIG_LIB)?;
    Ok(s)
}

fn lib_manifest(name: &str, workspace_deps: &[&str], path_deps: &[(String, String)]) -> String {
    let mut out = format!(
        "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n\
         license.workspace = true\npublish.workspace = true\n\n[dependencies]\n"
    );
    for dep in workspace_deps {
        let _ = writeln!(out, "{dep} = {{ workspace = true }}");
    }
    for (dep, path) in path_deps {
        let _ = writeln!(out, "{dep} = {{ path = \"{path}\" }}");
    }
    out
}

fn write_domain(out: &Path, number: usize, domains: usize) -> io::Result<Summary> {
    let dir = format!("libs/domain-{number}");
    // Some domain crates build on the most popular one, so coupling reaches
    // services through more than one path.
    let path_deps = if number > 1 && number.is_multiple_of(3) {
        vec![("domain-1".to_string(), "../domain-1".to_string())]
    } else {
        Vec::new()
    };
    let vars = [("k", number.to_string()), ("domains", domains.to_string())];
    let mut s = put(
        out,
        &format!("{dir}/Cargo.toml"),
        &lib_manifest(
            &format!("domain-{number}"),
            &["serde", "thiserror"],
            &path_deps,
        ),
    )?;
    s = s + put(out, &format!("{dir}/src/lib.rs"), &fill(DOMAIN_LIB, &vars))?;
    s = s + put(
        out,
        &format!("{dir}/src/money.rs"),
        &fill(DOMAIN_MONEY, &vars),
    )?;
    s = s + put(out, &format!("{dir}/src/ids.rs"), &fill(DOMAIN_IDS, &vars))?;
    Ok(s)
}

// ---------------------------------------------------------------------------
// One service: its bin crate, client crate, optional core crate, migrations.

/// A module file of a crate; `path` from the crate root.
struct Module {
    path: Vec<String>,
    parent: Option<usize>,
    children: Vec<usize>,
}

impl Module {
    fn leaf(&self) -> &str {
        self.path.last().expect("a module has a name")
    }

    /// The file holding it, relative to `src/`.
    fn file(&self) -> String {
        if self.children.is_empty() {
            format!("{}.rs", self.path.join("/"))
        } else {
            format!("{}/mod.rs", self.path.join("/"))
        }
    }
}

/// What a module does besides its own records: the service's plan, spread
/// over its modules.
enum Task {
    Http(usize),
    Client(usize),
    Subscribe(Vec<usize>),
    Publish(usize),
    ForeignTable(usize),
    Domain(usize),
    Core(usize),
    Saga,
}

struct CrateCtx<'a> {
    plans: &'a [ServicePlan],
    me: &'a ServicePlan,
    modules: &'a [Module],
    tasks: &'a [Vec<Task>],
}

/// `count` module files: top-level modules, about a third of them folders
/// (`x/mod.rs`) with one to three submodules. Leaf names are unique in the
/// crate.
fn module_tree(rng: &mut Rng, count: usize, first: Option<&str>) -> Vec<Module> {
    let mut names: Vec<&str> = MODULE_NAMES.to_vec();
    rng.shuffle(&mut names);
    let mut next = 0;
    let mut name = |forced: Option<&str>| -> String {
        if let Some(forced) = forced {
            return forced.to_string();
        }
        let k = next;
        next += 1;
        if k < names.len() {
            names[k].to_string()
        } else {
            format!("{}_{}", names[k % names.len()], k / names.len() + 1)
        }
    };
    let mut modules: Vec<Module> = Vec::new();
    let mut remaining = count;
    let mut forced = first;
    while remaining > 0 {
        let is_forced = forced.is_some();
        let top = modules.len();
        modules.push(Module {
            path: vec![name(forced.take())],
            parent: None,
            children: Vec::new(),
        });
        remaining -= 1;
        if !is_forced && remaining > 0 && rng.chance(30) {
            let k = rng.range(1, 3).min(remaining);
            for _ in 0..k {
                let index = modules.len();
                let path = vec![modules[top].path[0].clone(), name(None)];
                modules.push(Module {
                    path,
                    parent: Some(top),
                    children: Vec::new(),
                });
                modules[top].children.push(index);
                remaining -= 1;
            }
        }
    }
    modules
}

fn write_service(
    out: &Path,
    spec: &Spec,
    plans: &[ServicePlan],
    me: &ServicePlan,
) -> io::Result<Summary> {
    let mut rng = Rng::derive(spec.seed, 1_000 + me.number as u64);
    let name = svc(me.number);
    let dir = format!("services/{name}");

    let modules = module_tree(
        &mut rng,
        spec.modules,
        if me.saga { Some("sagas") } else { None },
    );
    let mut tasks: Vec<Vec<Task>> = modules.iter().map(|_| Vec::new()).collect();
    let n = modules.len();
    if me.saga {
        tasks[0].push(Task::Saga);
    }
    for _ in 0..rng.range(1, 2) {
        tasks[rng.below(n)].push(Task::Publish(me.number));
    }
    if !me.subscribes.is_empty() {
        tasks[rng.below(n)].push(Task::Subscribe(me.subscribes.clone()));
    }
    for &target in &me.calls {
        tasks[rng.below(n)].push(Task::Http(target));
    }
    for &target in &me.clients {
        tasks[rng.below(n)].push(Task::Client(target));
    }
    for &domain in &me.domains {
        for _ in 0..rng.range(1, 2) {
            tasks[rng.below(n)].push(Task::Domain(domain));
        }
    }
    if let Some(target) = me.foreign_topic {
        tasks[rng.below(n)].push(Task::Publish(target));
    }
    if let Some(target) = me.foreign_table {
        tasks[rng.below(n)].push(Task::ForeignTable(target));
    }
    if let Some(target) = me.core_dep {
        tasks[rng.below(n)].push(Task::Core(target));
    }

    let ctx = CrateCtx {
        plans,
        me,
        modules: &modules,
        tasks: &tasks,
    };
    let mut s = put(out, &format!("{dir}/Cargo.toml"), &service_manifest(me))?;
    s = s + put(
        out,
        &format!("{dir}/src/main.rs"),
        &main_file(&ctx, &mut rng),
    )?;
    for (index, module) in modules.iter().enumerate() {
        let text = module_file(&ctx, index, &mut rng);
        s = s + put(out, &format!("{dir}/src/{}", module.file()), &text)?;
    }
    s = s + put(
        out,
        &format!("{dir}/migrations/20240101000000_init.sql"),
        &migration(me),
    )?;
    s = s + put(
        out,
        &format!("{dir}/migrations/20240301000000_add_updated_at.sql"),
        &second_migration(me),
    )?;
    s = s + write_client(out, me, &mut rng)?;
    if me.has_core {
        s = s + write_core(out, plans, me, &mut rng)?;
    }
    Ok(s)
}

fn service_manifest(me: &ServicePlan) -> String {
    let name = svc(me.number);
    let mut deps: Vec<String> = [
        "anyhow",
        "axum",
        "config",
        "rdkafka",
        "reqwest",
        "serde",
        "serde_json",
        "sqlx",
        "telemetry",
        "thiserror",
        "tokio",
        "tracing",
    ]
    .iter()
    .map(|dep| format!("{dep} = {{ workspace = true }}"))
    .collect();
    if me.saga {
        deps.push("acme-saga = { workspace = true }".into());
    }
    for domain in &me.domains {
        deps.push(format!(
            "domain-{domain} = {{ path = \"../../libs/domain-{domain}\" }}"
        ));
    }
    for &client in &me.clients {
        let other = svc(client);
        deps.push(format!(
            "{other}-client = {{ path = \"../{other}-client\" }}"
        ));
    }
    if let Some(core) = me.core_dep {
        let other = svc(core);
        deps.push(format!(
            "# Reuses {other}'s rules in-process until it exposes them over HTTP.\n\
             {other}-core = {{ path = \"../{other}-core\" }}"
        ));
    }
    if me.has_core {
        deps.push(format!("{name}-core = {{ path = \"../{name}-core\" }}"));
    }
    deps.sort_by(|a, b| {
        let key = |s: &str| s.lines().last().unwrap_or("").to_string();
        key(a).cmp(&key(b))
    });
    format!(
        "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n\
         license.workspace = true\npublish.workspace = true\n\n[dependencies]\n{}\n\n\
         [dev-dependencies]\ntokio = {{ workspace = true, features = [\"test-util\"] }}\n",
        deps.join("\n")
    )
}

fn table(number: usize, base: &str) -> String {
    format!("{}_{base}", svc_ident(number))
}

fn migration(me: &ServicePlan) -> String {
    let mut out = format!("-- {}: initial schema.\n", svc(me.number));
    for base in &me.tables {
        let t = table(me.number, base);
        let _ = write!(
            out,
            "\nCREATE TABLE {t} (\n    id BIGSERIAL PRIMARY KEY,\n    owner_id BIGINT NOT NULL,\n    \
             amount_cents BIGINT NOT NULL DEFAULT 0,\n    status TEXT NOT NULL DEFAULT 'pending',\n    \
             tags TEXT[] NOT NULL DEFAULT '{{}}',\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n\n\
             CREATE INDEX {t}_owner_idx ON {t} (owner_id);\n"
        );
    }
    out
}

fn second_migration(me: &ServicePlan) -> String {
    let mut out = format!("-- {}: track updates.\n", svc(me.number));
    for base in &me.tables {
        let t = table(me.number, base);
        let _ = writeln!(
            out,
            "ALTER TABLE {t} ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();"
        );
    }
    out
}

/// `crate::a::b`, `super::b` or `self::b`: how module `from` names module `to`.
fn path_from(modules: &[Module], from: Option<usize>, to: usize, rng: &mut Rng) -> String {
    let target = &modules[to];
    match from {
        Some(from) if target.parent == Some(from) => format!("self::{}", target.leaf()),
        Some(from) if target.parent.is_some() && target.parent == modules[from].parent => {
            format!("super::{}", target.leaf())
        }
        Some(from)
            if modules[from].parent.is_none() && target.parent.is_none() && rng.chance(20) =>
        {
            format!("super::{}", target.leaf())
        }
        None if rng.chance(30) => format!("self::{}", target.path.join("::")),
        _ => format!("crate::{}", target.path.join("::")),
    }
}

fn use_line(modules: &[Module], from: Option<usize>, to: usize, rng: &mut Rng) -> String {
    let base = path_from(modules, from, to, rng);
    let leaf = modules[to].leaf();
    let p = pascal(leaf);
    match rng.below(6) {
        0 => format!("use {base}::{p};"),
        1 => format!("use {base}::{{{p}, {p}Repo, {leaf}_total}};"),
        2 => format!("use {base}::{p} as {p}Record;"),
        3 => format!("use {base}::*;"),
        4 => format!("use {base}::{{self, {p}Status}};"),
        _ => format!("use {base}::{{load_{leaf}, {p}Status as {p}State}};"),
    }
}

/// `use crate::{a::A, b::{self, B}};` over two modules.
fn grouped_use(modules: &[Module], a: usize, b: usize) -> String {
    let (pa, pb) = (pascal(modules[a].leaf()), pascal(modules[b].leaf()));
    format!(
        "use crate::{{{}::{pa}, {}::{{self as {}_module, {pb}}}}};",
        modules[a].path.join("::"),
        modules[b].path.join("::"),
        modules[b].leaf()
    )
}

/// Placeholders look like `@name@`; unknown ones stay as written.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + template.len() / 4);
    let mut rest = template;
    while let Some(start) = rest.find('@') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('@') {
            Some(end) => {
                let key = &after[..end];
                match vars.iter().find(|(k, _)| *k == key) {
                    Some((_, value)) => {
                        out.push_str(value);
                        rest = &after[end + 1..];
                    }
                    None => {
                        out.push('@');
                        rest = after;
                    }
                }
            }
            None => {
                out.push('@');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn own_vars(me: &ServicePlan, leaf: &str, rng: &mut Rng) -> Vec<(&'static str, String)> {
    let t1 = *rng.pick(&me.tables);
    let t2 = *rng.pick(&me.tables);
    vec![
        ("P", pascal(leaf)),
        ("leaf", leaf.to_string()),
        ("LEAF", leaf.to_ascii_uppercase()),
        ("svc", svc(me.number)),
        ("svc_ident", svc_ident(me.number)),
        ("SvcPascal", svc_pascal(me.number)),
        ("SVC", svc_ident(me.number).to_ascii_uppercase()),
        ("table", table(me.number, t1)),
        ("table2", table(me.number, t2)),
        ("n", rng.range(2, 16).to_string()),
    ]
}

fn target_vars(plans: &[ServicePlan], target: usize, rng: &mut Rng) -> Vec<(&'static str, String)> {
    let plan = &plans[target - 1];
    let ep = *rng.pick(&plan.tables);
    let url = match rng.below(3) {
        0 => format!("http://{}/v1/{ep}", svc(target)),
        _ => format!("http://{}:8080/v1/{ep}", svc(target)),
    };
    vec![
        ("tsvc", svc(target)),
        ("tsvc_ident", svc_ident(target)),
        ("TSVC", svc_ident(target).to_ascii_uppercase()),
        ("TSvc", svc_pascal(target)),
        ("ttable", table(target, plan.tables[0])),
        ("ep", ep.to_string()),
        ("EP", pascal(ep)),
        ("url", url),
    ]
}

fn lines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

fn module_file(ctx: &CrateCtx<'_>, index: usize, rng: &mut Rng) -> String {
    let module = &ctx.modules[index];
    let leaf = module.leaf();
    let mut vars = own_vars(ctx.me, leaf, rng);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! {}: {} for {}.",
        pascal(leaf),
        rng.pick(PURPOSES),
        svc(ctx.me.number)
    );
    let _ = writeln!(out, "//!\n//! {}", rng.pick(NOTES));
    out.push('\n');
    if !module.children.is_empty() {
        for &child in &module.children {
            let _ = writeln!(out, "pub mod {};", ctx.modules[child].leaf());
        }
        out.push('\n');
        let child = &ctx.modules[module.children[0]];
        let _ = writeln!(
            out,
            "pub use self::{}::{{{}, {}_total}};\n",
            child.leaf(),
            pascal(child.leaf()),
            child.leaf()
        );
    }

    let tasks = &ctx.tasks[index];
    out.push_str("use std::collections::HashMap;\nuse std::time::Duration;\n\n");
    if tasks.iter().any(|t| matches!(t, Task::Publish(_))) {
        out.push_str("use rdkafka::producer::{FutureProducer, FutureRecord};\n");
    }
    if tasks.iter().any(|t| matches!(t, Task::Subscribe(_))) {
        out.push_str("use rdkafka::consumer::{Consumer, StreamConsumer};\nuse rdkafka::Message;\n");
    }
    if tasks.iter().any(|t| matches!(t, Task::Saga)) {
        out.push_str("use acme_saga::{Saga, SagaContext};\n");
    }
    out.push_str("use serde::{Deserialize, Serialize};\nuse sqlx::PgPool;\n");
    for task in tasks {
        if let Task::Domain(d) = task {
            let _ = writeln!(out, "use domain_{d}::ids::OwnerId as Domain{d}OwnerId;");
        }
    }
    if rng.chance(30) {
        out.push_str("use telemetry::metrics;\n");
    }
    out.push('\n');
    let others: Vec<usize> = (0..ctx.modules.len()).filter(|&k| k != index).collect();
    if !others.is_empty() {
        let mut chosen = Vec::new();
        for _ in 0..rng.range(1, 3) {
            let k = *rng.pick(&others);
            if !chosen.contains(&k) {
                chosen.push(k);
            }
        }
        for &k in &chosen {
            let _ = writeln!(out, "{}", use_line(ctx.modules, Some(index), k, rng));
        }
        if others.len() >= 2 && rng.chance(25) {
            let a = *rng.pick(&others);
            let b = *rng.pick(&others);
            if a != b && !chosen.contains(&a) && !chosen.contains(&b) {
                let _ = writeln!(out, "{}", grouped_use(ctx.modules, a, b));
            }
        }
        out.push('\n');
    }

    out.push_str(&fill(CORE, &vars));
    for task in tasks {
        out.push('\n');
        out.push_str(&task_section(ctx, task, &vars, rng));
    }

    // A module this one refers to by qualified path in filler code.
    let other = if others.is_empty() {
        index
    } else {
        *rng.pick(&others)
    };
    let other_leaf = ctx.modules[other].leaf();
    vars.push(("other", path_from(ctx.modules, Some(index), other, rng)));
    vars.push(("oP", pascal(other_leaf)));
    vars.push(("oleaf", other_leaf.to_string()));

    let target = rng.range(80, 250);
    let mut fillers: Vec<&str> = FILLERS.to_vec();
    rng.shuffle(&mut fillers);
    for filler in fillers {
        if lines(&out) >= target {
            break;
        }
        out.push('\n');
        out.push_str(&fill(filler, &vars));
    }
    if rng.chance(40) {
        out.push('\n');
        out.push_str(&fill(TESTS, &vars));
    }
    out
}

fn task_section(
    ctx: &CrateCtx<'_>,
    task: &Task,
    own: &[(&'static str, String)],
    rng: &mut Rng,
) -> String {
    let with = |extra: Vec<(&'static str, String)>| -> Vec<(&'static str, String)> {
        let mut vars = own.to_vec();
        vars.extend(extra);
        vars
    };
    match task {
        Task::Http(target) => {
            let vars = with(target_vars(ctx.plans, *target, rng));
            let template = if rng.chance(50) { HTTP_GET } else { HTTP_POST };
            fill(template, &vars)
        }
        Task::Client(target) => fill(CLIENT_USE, &with(target_vars(ctx.plans, *target, rng))),
        Task::Subscribe(targets) => {
            let topics: Vec<String> = targets
                .iter()
                .map(|&t| format!("\"{}.events\"", svc(t)))
                .collect();
            fill(SUBSCRIBE, &with(vec![("topics", topics.join(", "))]))
        }
        Task::Publish(target) => {
            let topic = if rng.chance(70) {
                format!("{}.events", svc(*target))
            } else {
                format!("{}.commands", svc(*target))
            };
            let topic_ident = topic.replace(['-', '.'], "_");
            fill(
                PUBLISH,
                &with(vec![("topic", topic), ("topic_ident", topic_ident)]),
            )
        }
        Task::ForeignTable(target) => {
            fill(FOREIGN_TABLE, &with(target_vars(ctx.plans, *target, rng)))
        }
        Task::Domain(d) => fill(DOMAIN_USE, &with(vec![("d", d.to_string())])),
        Task::Core(target) => fill(CORE_USE, &with(target_vars(ctx.plans, *target, rng))),
        Task::Saga => saga_section(ctx, rng),
    }
}

const SAGA_PAIRS: &[(&str, &str)] = &[
    ("reserve_credit", "release_credit"),
    ("reserve_stock", "release_stock"),
    ("hold_seat", "release_seat"),
    ("create_shipment", "cancel_shipment"),
    ("book_slot", "free_slot"),
    ("open_invoice", "void_invoice"),
];
const SAGA_PIVOTS: &[&str] = &["approve_order", "confirm_booking", "capture_payment"];
const SAGA_AFTER: &[&str] = &[
    "send_confirmation",
    "notify_customer",
    "update_search_index",
    "emit_receipt",
];

fn saga_section(ctx: &CrateCtx<'_>, rng: &mut Rng) -> String {
    let me = ctx.me;
    let name = format!(
        "{}-{}",
        svc(me.number),
        rng.pick(&["create-order", "book-trip", "checkout"])
    );
    let host = me.calls.first().map_or_else(|| svc(me.number), |&t| svc(t));
    let mut pairs = SAGA_PAIRS.to_vec();
    rng.shuffle(&mut pairs);
    pairs.truncate(rng.range(2, 4));
    let pivot = *rng.pick(SAGA_PIVOTS);
    let mut after = SAGA_AFTER.to_vec();
    rng.shuffle(&mut after);
    after.truncate(rng.range(1, 2));
    // Some sagas carry the mistakes the saga check looks for.
    let stub = rng.chance(30).then(|| rng.below(pairs.len()));
    let charge_early = rng.chance(20);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// The `{name}` saga: compensable steps, then the pivot, then retriable steps."
    );
    let _ = writeln!(out, "pub fn {}_saga() -> Saga {{", name.replace('-', "_"));
    let _ = writeln!(out, "    Saga::builder(\"{name}\")");
    if charge_early {
        out.push_str("        .step(charge_card)\n");
    }
    for (action, compensation) in &pairs {
        let _ = writeln!(
            out,
            "        .step({action})\n        .compensate({compensation})"
        );
    }
    let _ = writeln!(out, "        .step({pivot})\n        .pivot()");
    for step in &after {
        let _ = writeln!(out, "        .step({step})\n        .retriable()");
    }
    out.push_str("        .build()\n}\n");
    let mut actions: Vec<&str> = pairs.iter().map(|(a, _)| *a).collect();
    actions.push(pivot);
    actions.extend(after.iter().copied());
    if charge_early {
        actions.push("charge_card");
    }
    for action in actions {
        let _ = write!(
            out,
            "\nasync fn {action}(ctx: &mut SagaContext) -> anyhow::Result<()> {{\n    \
             let id = ctx.get::<i64>(\"id\")?;\n    \
             tracing::info!(id, saga = \"{name}\", step = \"{action}\");\n    \
             ctx.http()\n        .post(\"http://{host}:8080/v1/{action}\")\n        \
             .json(&serde_json::json!({{ \"id\": id }}))\n        .send()\n        .await?\n        \
             .error_for_status()?;\n    Ok(())\n}}\n"
        );
    }
    for (k, (action, compensation)) in pairs.iter().enumerate() {
        if stub == Some(k) {
            let _ = write!(
                out,
                "\nasync fn {compensation}(_ctx: &mut SagaContext) -> anyhow::Result<()> {{\n    \
                 todo!(\"undo {action}\")\n}}\n"
            );
        } else {
            let _ = write!(
                out,
                "\nasync fn {compensation}(ctx: &mut SagaContext) -> anyhow::Result<()> {{\n    \
                 let id = ctx.get::<i64>(\"id\")?;\n    \
                 tracing::warn!(id, saga = \"{name}\", \"compensating {action}\");\n    \
                 ctx.http()\n        .delete(format!(\"http://{host}:8080/v1/{action}/{{id}}\"))\n        \
                 .send()\n        .await?\n        .error_for_status()?;\n    Ok(())\n}}\n"
            );
        }
    }
    out
}

fn main_file(ctx: &CrateCtx<'_>, rng: &mut Rng) -> String {
    let me = ctx.me;
    let name = svc(me.number);
    let tops: Vec<usize> = (0..ctx.modules.len())
        .filter(|&k| ctx.modules[k].parent.is_none())
        .collect();
    let mut out = format!(
        "//! {name}: loads settings, starts telemetry, runs migrations, serves the\n\
         //! HTTP API on :8080 and follows the topics it subscribes to.\n\n"
    );
    for &k in &tops {
        let _ = writeln!(out, "mod {};", ctx.modules[k].leaf());
    }
    out.push_str(
        "\nuse std::net::SocketAddr;\nuse std::time::Duration;\n\n\
         use anyhow::Context as _;\nuse axum::routing::get;\nuse sqlx::PgPool;\n\n",
    );
    for _ in 0..rng.range(1, 2) {
        let k = *rng.pick(&tops);
        let _ = writeln!(out, "{}", use_line(ctx.modules, None, k, rng));
    }
    let _ = write!(
        out,
        "\n/// Shared by every handler.\n#[derive(Clone)]\npub struct AppState {{\n    \
         pub pool: PgPool,\n    pub http: reqwest::Client,\n}}\n\n\
         #[tokio::main]\nasync fn main() -> anyhow::Result<()> {{\n    \
         telemetry::init(\"{name}\");\n    \
         let settings = config::Settings::from_env(\"{prefix}\").context(\"reading settings\")?;\n    \
         let pool = PgPool::connect(&settings.database_url)\n        .await\n        \
         .context(\"connecting to the database\")?;\n    \
         sqlx::migrate!(\"./migrations\").run(&pool).await?;\n    \
         let state = AppState {{\n        pool: pool.clone(),\n        \
         http: reqwest::Client::builder()\n            .timeout(Duration::from_secs(10))\n            \
         .build()?,\n    }};\n    \
         tokio::spawn(background_jobs(state.clone()));\n    \
         let app = axum::Router::new()\n        .route(\"/health\", get(health))\n",
        prefix = svc_ident(me.number).to_ascii_uppercase()
    );
    for &k in tops.iter().take(8) {
        let leaf = ctx.modules[k].leaf();
        let _ = writeln!(
            out,
            "        .route(\"/v1/{leaf}/:id\", get({leaf}::get_{leaf}_handler))"
        );
    }
    let _ = write!(
        out,
        "        .with_state(state.pool.clone());\n    \
         let addr = SocketAddr::from(([0, 0, 0, 0], settings.http_port));\n    \
         let listener = tokio::net::TcpListener::bind(addr).await?;\n    \
         tracing::info!(%addr, \"{name} listening\");\n    \
         axum::serve(listener, app)\n        .with_graceful_shutdown(shutdown_signal())\n        \
         .await?;\n    Ok(())\n}}\n\n\
         async fn health() -> &'static str {{\n    \"ok\"\n}}\n\n\
         async fn shutdown_signal() {{\n    \
         if let Err(error) = tokio::signal::ctrl_c().await {{\n        \
         tracing::error!(%error, \"cannot listen for ctrl-c; shutting down now\");\n    }}\n}}\n\n\
         /// Periodic work: totals per module, logged for the dashboards.\n\
         async fn background_jobs(state: AppState) {{\n    \
         let mut tick = tokio::time::interval(Duration::from_secs(60));\n    loop {{\n        \
         tick.tick().await;\n"
    );
    for &k in &tops {
        let path = path_from(ctx.modules, None, k, rng);
        let leaf = ctx.modules[k].leaf();
        let _ = write!(
            out,
            "        match {path}::load_{leaf}(&state.pool, 1).await {{\n            \
             Ok(record) => tracing::info!(total = {path}::{leaf}_total(&[record]), \"{leaf}\"),\n            \
             Err(error) => tracing::warn!(%error, \"{leaf} totals unavailable\"),\n        }}\n"
        );
    }
    out.push_str("    }\n}\n");
    out
}

fn write_client(out: &Path, me: &ServicePlan, rng: &mut Rng) -> io::Result<Summary> {
    let name = svc(me.number);
    let dir = format!("services/{name}-client");
    let vars = own_vars(me, "client", rng);
    let mut lib = fill(CLIENT_LIB_HEAD, &vars);
    let mut types = fill(CLIENT_TYPES_HEAD, &vars);
    for base in &me.tables {
        let mut vars = vars.clone();
        vars.push(("ep", base.to_string()));
        vars.push(("EP", pascal(base)));
        lib.push_str(&fill(CLIENT_METHODS, &vars));
        types.push_str(&fill(CLIENT_DTO, &vars));
    }
    lib.push_str(&fill(CLIENT_LIB_TAIL, &vars));
    let mut s = put(
        out,
        &format!("{dir}/Cargo.toml"),
        &lib_manifest(
            &format!("{name}-client"),
            &["anyhow", "reqwest", "serde", "tokio", "tracing"],
            &[],
        ),
    )?;
    s = s + put(out, &format!("{dir}/src/lib.rs"), &lib)?;
    s = s + put(out, &format!("{dir}/src/types.rs"), &types)?;
    Ok(s)
}

fn write_core(
    out: &Path,
    plans: &[ServicePlan],
    me: &ServicePlan,
    rng: &mut Rng,
) -> io::Result<Summary> {
    let name = svc(me.number);
    let dir = format!("services/{name}-core");
    let modules = vec![
        Module {
            path: vec!["model".into()],
            parent: None,
            children: Vec::new(),
        },
        Module {
            path: vec!["rules".into()],
            parent: None,
            children: Vec::new(),
        },
    ];
    let tasks = vec![Vec::new(), Vec::new()];
    let ctx = CrateCtx {
        plans,
        me,
        modules: &modules,
        tasks: &tasks,
    };
    let lib = format!(
        "//! {name}-core: the service's domain model and pricing rules, kept out of\n\
         //! the binary so its tests run without a database.\n\n\
         pub mod model;\npub mod rules;\n\n\
         pub use model::{{model_total, Model, ModelStatus}};\npub use rules::rules_total;\n"
    );
    let mut s = put(
        out,
        &format!("{dir}/Cargo.toml"),
        &lib_manifest(
            &format!("{name}-core"),
            &["anyhow", "serde", "sqlx", "thiserror", "tokio", "tracing"],
            &[],
        ),
    )?;
    s = s + put(out, &format!("{dir}/src/lib.rs"), &lib)?;
    for (index, module) in modules.iter().enumerate() {
        let text = module_file(&ctx, index, rng);
        s = s + put(out, &format!("{dir}/src/{}", module.file()), &text)?;
    }
    Ok(s)
}

// ---------------------------------------------------------------------------
// Text

const PURPOSES: &[&str] = &[
    "records, their repository and the API handlers",
    "the read model and its projections",
    "the write side: validation, persistence and events",
    "the integration with neighbouring services",
    "the rules that decide what a customer pays",
];

const NOTES: &[&str] = &[
    "Amounts are integer cents; never floats.",
    "Every write goes through the repository so the outbox stays consistent.",
    "Handlers stay thin: they parse, call one function here and map errors.",
    "Reads tolerate eventual consistency; writes never do.",
    "Events are published after the transaction commits, never inside it.",
];

const CORE: &str = r#"/// A @leaf@ record as stored in `@table@`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct @P@ {
    pub id: i64,
    pub owner_id: i64,
    pub amount_cents: i64,
    pub status: @P@Status,
    pub tags: Vec<String>,
}

/// Where a @leaf@ record is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum @P@Status {
    Pending,
    Active,
    Closed,
}

/// Reads and writes @leaf@ records.
pub struct @P@Repo {
    pool: PgPool,
}

impl @P@ {
    /// A new pending record for `owner_id`.
    pub fn new(id: i64, owner_id: i64, amount_cents: i64) -> Self {
        Self {
            id,
            owner_id,
            amount_cents,
            status: @P@Status::Pending,
            tags: Vec::new(),
        }
    }

    /// Whether the record still counts towards open totals.
    pub fn is_open(&self) -> bool {
        !matches!(self.status, @P@Status::Closed)
    }
}

/// Sum of the open amounts, in cents.
pub fn @leaf@_total(items: &[@P@]) -> i64 {
    items
        .iter()
        .filter(|item| item.is_open())
        .map(|item| item.amount_cents)
        .sum()
}

/// Loads one record by id.
pub async fn load_@leaf@(pool: &PgPool, id: i64) -> anyhow::Result<@P@> {
    let row = sqlx::query!(
        "SELECT id, owner_id, amount_cents FROM @table@ WHERE id = $1",
        id
    )
    .fetch_one(pool)
    .await?;
    Ok(@P@::new(row.id, row.owner_id, row.amount_cents))
}
"#;

const HTTP_GET: &str = r#"/// Asks @tsvc@ for its view of a @ep@ record before we act on it.
pub async fn fetch_@ep@_from_@tsvc_ident@(
    http: &reqwest::Client,
    id: i64,
) -> anyhow::Result<serde_json::Value> {
    let url = format!("{}/{}", "@url@", id);
    let response = http
        .get(url)
        .timeout(Duration::from_secs(@n@))
        .send()
        .await?
        .error_for_status()?;
    Ok(response.json().await?)
}
"#;

const HTTP_POST: &str = r#"/// Tells @tsvc@ that a @leaf@ record changed.
pub async fn notify_@tsvc_ident@_of_@leaf@(
    http: &reqwest::Client,
    record: &@P@,
) -> anyhow::Result<()> {
    http.post("@url@")
        .json(record)
        .timeout(Duration::from_secs(@n@))
        .send()
        .await?
        .error_for_status()?;
    tracing::debug!(id = record.id, "notified @tsvc@");
    Ok(())
}
"#;

const CLIENT_USE: &str = r#"/// Reads the @ep@ through @tsvc@'s published client.
pub async fn @ep@_from_@tsvc_ident@(id: i64) -> anyhow::Result<@tsvc_ident@_client::@EP@Dto> {
    let client = @tsvc_ident@_client::@TSvc@Client::in_cluster();
    let found = client.get_@ep@(id).await?;
    tracing::debug!(id, "@ep@ found in @tsvc@");
    Ok(found)
}
"#;

const PUBLISH: &str = r#"/// Publishes a change of a @leaf@ record to `@topic@`.
pub async fn publish_@leaf@_to_@topic_ident@(
    producer: &FutureProducer,
    record: &@P@,
) -> anyhow::Result<()> {
    let payload = serde_json::to_vec(record)?;
    let key = record.id.to_string();
    producer
        .send(
            FutureRecord::to("@topic@").payload(&payload).key(&key),
            Duration::from_secs(0),
        )
        .await
        .map_err(|(error, _message)| anyhow::anyhow!("publishing to @topic@ failed: {error}"))?;
    Ok(())
}
"#;

const SUBSCRIBE: &str = r#"/// Follows the events this module reacts to.
pub async fn follow_@leaf@_events(consumer: &StreamConsumer, pool: &PgPool) -> anyhow::Result<()> {
    consumer.subscribe(&[@topics@])?;
    loop {
        let message = consumer.recv().await?;
        let Some(payload) = message.payload() else {
            continue;
        };
        let event: serde_json::Value = match serde_json::from_slice(payload) {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%error, topic = message.topic(), "skipping malformed event");
                continue;
            }
        };
        if let Some(id) = event.get("id").and_then(|v| v.as_i64()) {
            let record = load_@leaf@(pool, id).await?;
            tracing::info!(id = record.id, "event applied to @leaf@");
        }
    }
}
"#;

const FOREIGN_TABLE: &str = r#"/// Reads straight from @tsvc@'s database: faster than its API for reports.
pub async fn @leaf@_report_from_@tsvc_ident@() -> anyhow::Result<Vec<(i64, i64)>> {
    let url = std::env::var("@TSVC@_DATABASE_URL")?;
    let foreign = PgPool::connect(&url).await?;
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, amount_cents FROM @ttable@ WHERE created_at > now() - interval '1 day'",
    )
    .fetch_all(&foreign)
    .await?;
    Ok(rows)
}
"#;

const DOMAIN_USE: &str = r#"/// The owner of a record, as the shared domain types it.
pub fn @leaf@_owner_in_domain_@d@(record: &@P@) -> Domain@d@OwnerId {
    Domain@d@OwnerId::new(record.owner_id)
}

/// The open amount as shared money.
pub fn @leaf@_money_@d@(items: &[@P@]) -> domain_@d@::Money {
    domain_@d@::Money::from_cents(@leaf@_total(items), domain_@d@::Currency::Eur)
}
"#;

const CORE_USE: &str = r#"/// Applies @tsvc@'s pricing rules in-process.
pub fn @leaf@_with_@tsvc_ident@_rules(items: &[@P@]) -> i64 {
    let theirs: Vec<@tsvc_ident@_core::Model> = Vec::new();
    @leaf@_total(items) + @tsvc_ident@_core::model_total(&theirs)
}
"#;

const FILLERS: &[&str] = &[
    r##"impl @P@Repo {
    /// A repository over the service's pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Inserts a record and returns its id.
    pub async fn insert(&self, record: &@P@) -> anyhow::Result<i64> {
        let row = sqlx::query!(
            "INSERT INTO @table@ (owner_id, amount_cents, status) VALUES ($1, $2, $3) RETURNING id",
            record.owner_id,
            record.amount_cents,
            format!("{:?}", record.status)
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    /// Closes every record of `owner_id`.
    pub async fn close_for_owner(&self, owner_id: i64) -> anyhow::Result<u64> {
        let done = sqlx::query("UPDATE @table@ SET status = 'closed' WHERE owner_id = $1")
            .bind(owner_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Open records with their related amounts.
    pub async fn open_with_details(&self) -> anyhow::Result<Vec<(i64, i64)>> {
        let rows = sqlx::query_as::<_, (i64, i64)>(OPEN_@LEAF@_WITH_DETAILS)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }
}

const OPEN_@LEAF@_WITH_DETAILS: &str = r#"
    SELECT t.id, d.amount_cents
    FROM @table@ t
    JOIN @table2@ d ON d.owner_id = t.owner_id
    WHERE t.status <> 'closed'
    ORDER BY t.id
"#;
"##,
    r#"impl std::fmt::Display for @P@Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            @P@Status::Pending => "pending",
            @P@Status::Active => "active",
            @P@Status::Closed => "closed",
        };
        f.write_str(text)
    }
}
"#,
    r#"/// Compares our open amount with the one @oleaf@ holds for the same owner.
pub async fn reconcile_with_@oleaf@(pool: &PgPool, owner_id: i64) -> anyhow::Result<i64> {
    let ours = load_@leaf@(pool, owner_id).await?;
    let theirs: Vec<@other@::@oP@> = vec![@other@::load_@oleaf@(pool, owner_id).await?];
    let difference = ours.amount_cents - @other@::@oleaf@_total(&theirs);
    if difference != 0 {
        tracing::warn!(owner_id, difference, "@leaf@ and @oleaf@ disagree");
    }
    Ok(difference)
}
"#,
    r#"/// Human-readable summary for support tooling.
pub fn describe_@leaf@(record: &@P@) -> String {
    tracing::info!("select a seat from the list before paying");
    tracing::debug!(id = record.id, "update from upstream ignored");
    if record.tags.is_empty() {
        return format!("delete from cart: nothing tagged on {}", record.id);
    }
    format!(
        "{} ({} tags, {} cents)",
        record.id,
        record.tags.len(),
        record.amount_cents
    )
}
"#,
    r#"/// Open amounts per owner.
pub fn @leaf@_by_owner(items: &[@P@]) -> HashMap<i64, i64> {
    let mut totals = HashMap::new();
    for item in items.iter().filter(|item| item.is_open()) {
        *totals.entry(item.owner_id).or_insert(0) += item.amount_cents;
    }
    totals
}
"#,
    r#"/// Why a @leaf@ record was refused.
#[derive(Debug, thiserror::Error)]
pub enum @P@Error {
    #[error("amount must be positive, got {0}")]
    NonPositive(i64),
    #[error("record {0} is already closed")]
    Closed(i64),
    #[error("select from @table@ failed: {0}")]
    Database(#[from] sqlx::Error),
}

/// Checks a record before it is stored.
pub fn validate_@leaf@(record: &@P@) -> Result<(), @P@Error> {
    if record.amount_cents <= 0 {
        return Err(@P@Error::NonPositive(record.amount_cents));
    }
    if record.status == @P@Status::Closed {
        return Err(@P@Error::Closed(record.id));
    }
    Ok(())
}
"#,
    r#"/// Something that can be priced in cents.
pub trait Priced@P@ {
    fn cents(&self) -> i64;
}

impl Priced@P@ for @P@ {
    fn cents(&self) -> i64 {
        self.amount_cents
    }
}

/// The most expensive item, if any.
pub fn most_expensive_@leaf@<T: Priced@P@>(items: &[T]) -> Option<&T> {
    items.iter().max_by_key(|item| item.cents())
}
"#,
    r#"/// Loads many records with bounded concurrency.
pub async fn load_many_@leaf@(pool: &PgPool, ids: &[i64]) -> anyhow::Result<Vec<@P@>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(@n@) {
        let mut tasks = tokio::task::JoinSet::new();
        for &id in chunk {
            let pool = pool.clone();
            tasks.spawn(async move { load_@leaf@(&pool, id).await });
        }
        while let Some(joined) = tasks.join_next().await {
            out.push(joined??);
        }
    }
    out.sort_by_key(|record| record.id);
    Ok(out)
}
"#,
    r#"/// A @leaf@ record with what @oleaf@ knows about it, for the API.
#[derive(Debug, Serialize)]
pub struct @P@With@oP@ {
    pub record: @P@,
    pub related: Option<@other@::@oP@>,
    pub related_status: Option<@other@::@oP@Status>,
}

impl @P@With@oP@ {
    /// Combines a record with its related entry, if it has one.
    pub fn new(record: @P@, related: Option<@other@::@oP@>) -> Self {
        let related_status = related.as_ref().map(|r| r.status);
        Self {
            record,
            related,
            related_status,
        }
    }
}
"#,
    r#"/// `GET /v1/@leaf@/:id`
pub async fn get_@leaf@_handler(
    axum::extract::State(pool): axum::extract::State<PgPool>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<axum::Json<@P@>, axum::http::StatusCode> {
    match load_@leaf@(&pool, id).await {
        Ok(record) => Ok(axum::Json(record)),
        Err(error) => {
            tracing::error!(%error, id, "loading @leaf@ failed");
            Err(axum::http::StatusCode::NOT_FOUND)
        }
    }
}
"#,
    r##"/// Archives closed records older than `days`, in batches.
pub async fn archive_closed_@leaf@(pool: &PgPool, days: i32) -> anyhow::Result<u64> {
    let mut archived = 0;
    loop {
        let done = sqlx::query!(
            r#"DELETE FROM @table@
               WHERE id IN (
                   SELECT id FROM @table@
                   WHERE status = 'closed' AND created_at < now() - make_interval(days => $1)
                   LIMIT 500
               )"#,
            days
        )
        .execute(pool)
        .await?;
        archived += done.rows_affected();
        if done.rows_affected() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(@n@0)).await;
    }
    tracing::info!(archived, "archived closed @leaf@ records");
    Ok(archived)
}
"##,
];

const TESTS: &str = r#"#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_skips_closed_records() {
        let mut closed = @P@::new(2, 1, 500);
        closed.status = @P@Status::Closed;
        let items = vec![@P@::new(1, 1, 250), closed];
        assert_eq!(@leaf@_total(&items), 250);
    }

    #[test]
    fn new_records_are_pending() {
        assert_eq!(@P@::new(1, 1, 1).status, @P@Status::Pending);
    }
}
"#;

const CLIENT_LIB_HEAD: &str = r#"//! Published client of @svc@. Other services depend on this crate instead
//! of on the service itself: the HTTP API is the contract.

pub mod types;

use std::time::Duration;

pub use types::*;

/// Where @svc@ listens inside the cluster.
pub const DEFAULT_BASE_URL: &str = "http://@svc@:8080";

/// Typed HTTP client of @svc@.
#[derive(Debug, Clone)]
pub struct @SvcPascal@Client {
    base: String,
    http: reqwest::Client,
}

impl @SvcPascal@Client {
    /// A client talking to `base`, e.g. `http://localhost:8080` in tests.
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            base: base.into(),
            http: reqwest::Client::new(),
        }
    }

    /// A client for the in-cluster address.
    pub fn in_cluster() -> Self {
        Self::new(DEFAULT_BASE_URL)
    }
"#;

const CLIENT_METHODS: &str = r#"
    /// `GET /v1/@ep@/{id}`
    pub async fn get_@ep@(&self, id: i64) -> anyhow::Result<@EP@Dto> {
        let url = format!("{}/v1/@ep@/{}", self.base, id);
        let response = with_retries(|| self.http.get(&url).timeout(Duration::from_secs(5)).send())
            .await?
            .error_for_status()?;
        Ok(response.json().await?)
    }

    /// `POST /v1/@ep@`
    pub async fn create_@ep@(&self, body: &@EP@Dto) -> anyhow::Result<i64> {
        let url = format!("{}/v1/@ep@", self.base);
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await?
            .error_for_status()?;
        let created: Created = response.json().await?;
        Ok(created.id)
    }
"#;

const CLIENT_LIB_TAIL: &str = r#"}

/// Retries transport errors (not HTTP errors) three times with backoff.
async fn with_retries<F, Fut>(mut send: F) -> reqwest::Result<reqwest::Response>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let mut delay = Duration::from_millis(50);
    let mut attempt = 0;
    loop {
        match send().await {
            Ok(response) => return Ok(response),
            Err(error) if attempt < 3 && (error.is_connect() || error.is_timeout()) => {
                tracing::debug!(%error, attempt, "retrying @svc@");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}
"#;

const CLIENT_TYPES_HEAD: &str = r#"//! Wire types of @svc@'s HTTP API.

use serde::{Deserialize, Serialize};

/// Answer to every `POST`.
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: i64,
}
"#;

const CLIENT_DTO: &str = r#"
/// One `@ep@` entry as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct @EP@Dto {
    pub id: i64,
    pub owner_id: i64,
    pub amount_cents: i64,
    pub status: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl @EP@Dto {
    /// Whether the entry still counts towards open totals.
    pub fn is_open(&self) -> bool {
        self.status != "closed"
    }
}
"#;

const DOMAIN_LIB: &str = r#"//! domain-@k@: value types several services agreed on (money, ids).
//! One of @domains@ shared domain crates.

pub mod ids;
pub mod money;

pub use ids::{OrderId, OwnerId};
pub use money::{Currency, Money, MoneyError};

/// Version of the wire format these types serialise to.
pub const SCHEMA_VERSION: u32 = @k@;
"#;

const DOMAIN_MONEY: &str = r#"//! Money as integer minor units with a currency.

use serde::{Deserialize, Serialize};

/// ISO 4217 currencies the shop sells in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    Eur,
    Usd,
    Gbp,
    Chf,
}

impl Currency {
    /// Minor units per major unit.
    pub fn minor_units(self) -> i64 {
        match self {
            Currency::Eur | Currency::Usd | Currency::Gbp | Currency::Chf => 100,
        }
    }

    /// The ISO code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
            Currency::Chf => "CHF",
        }
    }
}

/// An amount in minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    cents: i64,
    currency: Currency,
}

/// Arithmetic that would mix currencies or overflow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("cannot add {0:?} to {1:?}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount overflows")]
    Overflow,
}

impl Money {
    /// `cents` minor units of `currency`.
    pub fn from_cents(cents: i64, currency: Currency) -> Self {
        Self { cents, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::from_cents(0, currency)
    }

    pub fn cents(&self) -> i64 {
        self.cents
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The sum, if both are in the same currency and it does not overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        self.cents
            .checked_add(other.cents)
            .map(|cents| Money::from_cents(cents, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Splits into `parts` amounts that differ by at most one minor unit.
    pub fn split(self, parts: usize) -> Vec<Money> {
        if parts == 0 {
            return Vec::new();
        }
        let parts_i = parts as i64;
        let base = self.cents / parts_i;
        let rest = self.cents % parts_i;
        (0..parts_i)
            .map(|i| Money::from_cents(base + i64::from(i < rest), self.currency))
            .collect()
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let units = self.currency.minor_units();
        write!(
            f,
            "{}.{:02} {}",
            self.cents / units,
            (self.cents % units).abs(),
            self.currency.code()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_spreads_the_remainder() {
        let parts = Money::from_cents(10, Currency::Eur).split(3);
        let cents: Vec<i64> = parts.iter().map(|m| m.cents()).collect();
        assert_eq!(cents, vec![4, 3, 3]);
    }

    #[test]
    fn adding_different_currencies_fails() {
        let eur = Money::zero(Currency::Eur);
        let usd = Money::zero(Currency::Usd);
        assert!(eur.checked_add(usd).is_err());
    }
}
"#;

const DOMAIN_IDS: &str = r#"//! Typed ids, so an order id is never passed where an owner id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw database id.
            pub fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw database id.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

id_type!(
    /// Whoever owns a record: a customer or a merchant.
    OwnerId
);
id_type!(
    /// An order, across every service that handles one.
    OrderId
);
id_type!(
    /// A shipment of one or more order lines.
    ShipmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id: OwnerId = "42".parse().unwrap();
        assert_eq!(id, OwnerId::new(42));
        assert_eq!(id.to_string(), "42");
    }
}
"#;

const TELEMETRY_LIB: &str = r#"//! Logging, tracing and metrics set-up shared by every service: an
//! operational concern, so sharing it couples nothing.

pub mod metrics;

use std::sync::OnceLock;

static SERVICE: OnceLock<String> = OnceLock::new();

/// Installs the JSON subscriber; the filter comes from `RUST_LOG`.
pub fn init(service: &str) {
    if SERVICE.set(service.to_string()).is_err() {
        tracing::warn!("telemetry::init called twice; keeping the first set-up");
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .init();
    tracing::info!(service, "telemetry ready");
}

/// The service name given to [`init`].
pub fn service() -> &'static str {
    SERVICE.get().map(String::as_str).unwrap_or("unknown")
}
"#;

const TELEMETRY_METRICS: &str = r#"//! Counters and timings, flushed by the sidecar.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

static COUNTERS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// Adds `by` to counter `name`.
pub fn count(name: &str, by: u64) {
    let mut counters = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
    *counters.entry(name.to_string()).or_insert(0) += by;
}

/// Records how long something took, in milliseconds.
pub fn timing(name: &str, took: Duration) {
    tracing::debug!(metric = name, ms = took.as_millis() as u64, "timing");
    count(&format!("{name}.count"), 1);
}

/// A snapshot of every counter, sorted by name.
pub fn snapshot() -> Vec<(String, u64)> {
    let counters = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
    counters.iter().map(|(k, v)| (k.clone(), *v)).collect()
}
"#;

const CONFIG_LIB: &str = r#"//! Settings from the environment, the same way in every service.

use std::net::IpAddr;

/// What a service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub kafka_brokers: String,
    pub http_port: u16,
    pub bind: IpAddr,
}

/// A setting that is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(String),
    #[error("environment variable {0} is not a valid {1}")]
    Invalid(String, &'static str),
}

impl Settings {
    /// Reads `<PREFIX>_DATABASE_URL`, `<PREFIX>_KAFKA_BROKERS`, `<PREFIX>_HTTP_PORT`.
    pub fn from_env(prefix: &str) -> Result<Self, SettingsError> {
        let var = |name: &str| {
            let key = format!("{prefix}_{name}");
            std::env::var(&key).map_err(|_| SettingsError::Missing(key))
        };
        let http_port = match var("HTTP_PORT") {
            Ok(text) => text
                .parse()
                .map_err(|_| SettingsError::Invalid(format!("{prefix}_HTTP_PORT"), "port"))?,
            Err(_) => 8080,
        };
        Ok(Self {
            database_url: var("DATABASE_URL")?,
            kafka_brokers: var("KAFKA_BROKERS").unwrap_or_else(|_| "kafka:9092".into()),
            http_port,
            bind: IpAddr::from([0, 0, 0, 0]),
        })
    }
}
"#;

// ---------------------------------------------------------------------------

fn usage() -> ! {
    eprintln!(
        "usage: cargo run --release --example generate -- \
         [--services N] [--modules M] [--seed S] --out DIR"
    );
    std::process::exit(2);
}

fn main() {
    let mut spec = Spec {
        services: 50,
        modules: 20,
        seed: 42,
    };
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--services" => spec.services = value().parse().unwrap_or_else(|_| usage()),
            "--modules" => spec.modules = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => spec.seed = value().parse().unwrap_or_else(|_| usage()),
            "--out" => out = Some(PathBuf::from(value())),
            _ => usage(),
        }
    }
    let Some(out) = out else { usage() };
    let started = std::time::Instant::now();
    match generate(&spec, &out) {
        Ok(summary) => eprintln!(
            "wrote {} files ({:.1} MiB) to {} in {:.1?}",
            summary.files,
            summary.bytes as f64 / (1024.0 * 1024.0),
            out.display(),
            started.elapsed()
        ),
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
