//! `init` on copies of the fixture workspaces, without their archfit.toml and
//! ADRs: the configuration it writes loads on every one of them, and on the
//! clean workspace the check it sets up passes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use archfit::{init, Error, Options, Outcome, Severity};

use crate::{copy_dir, fixture};

/// A copy of a fixture in a fresh temporary directory, removed on drop.
struct Scratch {
    root: PathBuf,
}

impl Scratch {
    /// Copies `fixtures/<name>`, leaving out `target/`.
    fn of(name: &str) -> Scratch {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "archfit-it-init-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(&fixture(name), &root);
        Scratch { root }
    }

    /// The same copy without archfit.toml and docs/adr, as before `init`.
    fn bare(name: &str) -> Scratch {
        let scratch = Scratch::of(name);
        let _ = std::fs::remove_file(scratch.root.join("archfit.toml"));
        let _ = std::fs::remove_dir_all(scratch.root.join("docs/adr"));
        scratch
    }

    fn manifest(&self) -> PathBuf {
        self.root.join("Cargo.toml")
    }

    fn plan(&self) -> init::Plan {
        let workspace = archfit::workspace::load(Some(&self.manifest()))
            .unwrap_or_else(|e| panic!("{}: workspace does not load: {e}", self.root.display()));
        init::plan(&workspace).unwrap_or_else(|e| {
            panic!(
                "{}: init planned no loading configuration: {e}",
                self.root.display()
            )
        })
    }

    /// `cargo archfit init [--force]`.
    fn init(&self, force: bool) -> Result<Vec<String>, Error> {
        init::write(&self.root, &self.plan(), force)
    }

    fn check(&self) -> Result<Outcome, Error> {
        archfit::check(&Options {
            manifest_path: Some(self.manifest()),
            ..Options::default()
        })
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// shop, clean and every `<check>/pass-*` and `<check>/fail-*` workspace;
/// `config/*` holds broken configurations and is left out.
fn fixture_workspaces() -> Vec<String> {
    let root = fixture("");
    let mut names = vec!["clean".to_string(), "shop".to_string()];
    let mut checks: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && e.file_name() != "config")
        .collect();
    checks.sort_by_key(|e| e.file_name());
    for check in checks {
        let mut cases: Vec<String> = std::fs::read_dir(check.path())
            .expect("check folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("pass-") || n.starts_with("fail-"))
            .filter(|n| check.path().join(n).join("Cargo.toml").is_file())
            .collect();
        cases.sort();
        let check = check.file_name().to_string_lossy().into_owned();
        names.extend(cases.into_iter().map(|case| format!("{check}/{case}")));
    }
    names
}

/// Whether a list of the configuration holds `pattern` with the comment `note`.
fn has_entry(config: &str, pattern: &str, note: &str) -> bool {
    config.lines().any(|line| {
        line.trim_start().starts_with(&format!("\"{pattern}\","))
            && line.ends_with(&format!("# {note}"))
    })
}

fn describe(error: &Error) -> String {
    match error {
        Error::Config(errors) => errors
            .iter()
            .map(|e| format!("  {e}"))
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("  {other}"),
    }
}

#[test]
fn written_configuration_loads_on_every_fixture() {
    let names = fixture_workspaces();
    assert!(names.len() > 20, "fixtures found: {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let scratch = Scratch::bare(name);
        let written = scratch
            .init(false)
            .unwrap_or_else(|e| panic!("{name}: init failed: {e}"));
        assert_eq!(written.first().map(String::as_str), Some("archfit.toml"));
        if let Err(error) = scratch.check() {
            failures.push(format!(
                "{name}:\n{}\n--- archfit.toml ---\n{}",
                describe(&error),
                scratch.read("archfit.toml")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn init_on_the_clean_workspace_gives_a_check_that_passes() {
    let scratch = Scratch::bare("clean");
    scratch.init(false).expect("init writes");
    let outcome = scratch.check().expect("the written configuration loads");
    let errors: Vec<String> = outcome
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect();
    assert!(
        errors.is_empty(),
        "{}\n--- archfit.toml ---\n{}",
        errors.join("\n"),
        scratch.read("archfit.toml")
    );
    let config = scratch.read("archfit.toml");
    for service in ["accounts", "ledger", "notifications"] {
        assert!(
            config.contains(&format!("name = \"{service}\"")),
            "{config}"
        );
    }
    // The migrations folder, with the tables its scripts leave behind.
    let migrations = config
        .lines()
        .find(|l| l.starts_with("  \"services/ledger/migrations\", # "))
        .unwrap_or_else(|| panic!("{config}"));
    assert!(migrations.contains("; owns "), "{migrations}");
}

#[test]
fn init_writes_the_configuration_and_an_adr_for_every_rule() {
    let scratch = Scratch::bare("shop");
    let written = scratch.init(false).expect("init writes");
    assert_eq!(
        written,
        [
            "archfit.toml",
            "docs/adr/0001-services-do-not-depend-on-each-others-crates.md",
            "docs/adr/0002-prefer-duplication-over-coupling.md",
            "docs/adr/0003-each-service-owns-its-tables.md",
            "docs/adr/0004-no-cycles-between-services.md",
            "docs/adr/0005-every-saga-step-can-be-undone.md",
            "docs/adr/0006-layers-inside-services.md",
            "docs/adr/0007-services-are-independent-quanta.md",
            "docs/adr/0008-events-go-through-an-outbox.md",
            "docs/adr/0009-runtime-calls-are-visible-in-code.md",
            "docs/adr/0010-config-read-at-startup.md",
        ]
    );
    let outcome = scratch.check().expect("the written configuration loads");
    // The runtime-coupling rule does not run without --traces; the
    // symbols starter rule is written off.
    assert_eq!(outcome.rules.len(), 11);
    for rule in &outcome.rules {
        let adr = rule.adr.as_ref().expect("every rule has an ADR");
        assert_eq!(
            adr.status,
            Some(archfit::adr::AdrStatus::Proposed),
            "{}",
            rule.id
        );
    }
    let config = scratch.read("archfit.toml");
    assert!(has_entry(&config, "xtask", "developer tooling"), "{config}");
    assert!(
        has_entry(
            &config,
            "libs/shop-domain",
            "used by inventory, orders, payments"
        ),
        "{config}"
    );
}

#[test]
fn second_init_keeps_the_adrs_and_plans_the_same_configuration() {
    let scratch = Scratch::bare("clean");
    scratch.init(false).expect("init writes");
    let first = scratch.read("archfit.toml");
    let again = scratch.plan();
    let paths: Vec<&str> = again.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["archfit.toml"]);
    assert_eq!(again.files[0].contents, first);
}

#[test]
fn init_keeps_an_existing_configuration_without_force() {
    let scratch = Scratch::of("clean");
    let _ = std::fs::remove_dir_all(scratch.root.join("docs/adr"));
    let before = scratch.read("archfit.toml");
    let refused = scratch.init(false);
    match refused {
        Err(Error::Usage(message)) => assert_eq!(
            message,
            "archfit.toml already exists; pass --force to overwrite it"
        ),
        other => panic!("expected a usage error, got {other:?}"),
    }
    assert_eq!(scratch.read("archfit.toml"), before);
    assert!(
        !scratch.root.join("docs/adr").exists(),
        "nothing at all is written"
    );
}

#[test]
fn init_with_force_overwrites_the_configuration() {
    let scratch = Scratch::of("clean");
    let _ = std::fs::remove_dir_all(scratch.root.join("docs/adr"));
    let plan = scratch.plan();
    let written = init::write(&scratch.root, &plan, true).expect("forced init writes");
    assert_eq!(written.len(), plan.files.len());
    assert_eq!(scratch.read("archfit.toml"), plan.files[0].contents);
    scratch.check().expect("the written configuration loads");
}

#[test]
fn init_never_overwrites_an_existing_adr() {
    let scratch = Scratch::bare("clean");
    let adr = "docs/adr/0003-each-service-owns-its-tables.md";
    std::fs::create_dir_all(scratch.root.join("docs/adr")).unwrap();
    std::fs::write(
        scratch.root.join(adr),
        "# 3. Each service owns its tables\n\n## Status\n\nAccepted\n",
    )
    .unwrap();
    let written = scratch.init(false).expect("init writes");
    assert!(!written.iter().any(|p| p == adr), "{written:?}");
    assert!(scratch.read(adr).contains("Accepted"));
    assert!(scratch
        .read("archfit.toml")
        .contains("adr = \"0003-each-service-owns-its-tables.md\""));
    scratch.check().expect("the written configuration loads");
}

#[test]
fn init_command_then_check_passes_and_a_second_init_refuses() {
    let scratch = Scratch::bare("clean");
    let first = crate::archfit_in(&scratch.root, &["init"]);
    assert_eq!(first.status.code(), Some(0), "{}", crate::stderr(&first));
    assert!(crate::stderr(&first).contains("wrote archfit.toml"));
    let check = crate::archfit_in(&scratch.root, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", crate::stdout(&check));
    let again = crate::archfit_in(&scratch.root, &["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        crate::stderr(&again).contains("already exists"),
        "{}",
        crate::stderr(&again)
    );
    let forced = crate::archfit_in(&scratch.root, &["init", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", crate::stderr(&forced));
}

/// A member of a temporary workspace: folder, package name, whether it is a
/// program, and the members it depends on (by folder).
type MemberSpec<'a> = (&'a str, &'a str, bool, &'a [&'a str]);

/// Writes a cargo workspace of `members`, each with a small real source
/// file, into a fresh temporary folder.
fn cargo_workspace(tag: &str, members: &[MemberSpec<'_>]) -> Scratch {
    let mut files: Vec<(String, String)> = Vec::new();
    let list: Vec<String> = members.iter().map(|m| format!("\"{}\"", m.0)).collect();
    files.push((
        "Cargo.toml".into(),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            list.join(", ")
        ),
    ));
    for (dir, name, program, deps) in members {
        let mut manifest =
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n");
        for dep in *deps {
            let (_, package, _, _) = members
                .iter()
                .find(|m| m.0 == *dep)
                .expect("a dependency is a member");
            let up = "../".repeat(dir.split('/').count());
            manifest.push_str(&format!("{package} = {{ path = \"{up}{dep}\" }}\n"));
        }
        files.push((format!("{dir}/Cargo.toml"), manifest));
        let source = if *program {
            ("src/main.rs", "// Starts the process and serves until it is told to stop.\nfn main() {\n    println!(\"ready\");\n}\n")
        } else {
            ("src/lib.rs", "/// The version of the wire format both sides speak.\npub const WIRE_VERSION: u32 = 3;\n")
        };
        files.push((format!("{dir}/{}", source.0), source.1.into()));
    }
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("init-{tag}-{}", COUNT.fetch_add(1, Ordering::Relaxed));
    Scratch {
        root: crate::write_workspace(&name, &files),
    }
}

/// `init` then `check` through the binary: init succeeds, and the check
/// loads what it wrote (exit 0 or 1, never 2) and knows every member.
fn init_then_check_loads(scratch: &Scratch) -> String {
    let init = crate::archfit_in(&scratch.root, &["init"]);
    assert_eq!(init.status.code(), Some(0), "{}", crate::stderr(&init));
    let config = scratch.read("archfit.toml");
    let check = crate::archfit_in(&scratch.root, &["check", "--format", "json"]);
    assert_ne!(
        check.status.code(),
        Some(2),
        "{}\n--- archfit.toml ---\n{config}",
        crate::stderr(&check)
    );
    let report: serde_json::Value =
        serde_json::from_str(&crate::stdout(&check)).expect("JSON report");
    let unclassified: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "unclassified-member")
        .collect();
    assert!(unclassified.is_empty(), "{unclassified:?}\n{config}");
    config
}

#[test]
fn service_folder_with_a_nested_bench_tool_and_a_protocol_two_services_use() {
    let scratch = cargo_workspace(
        "nested-bench",
        &[
            (
                "services/gateway",
                "gateway",
                true,
                &["services/gateway/protocol"],
            ),
            ("services/gateway/protocol", "gateway-protocol", false, &[]),
            (
                "services/gateway/loadgen",
                "gateway-loadgen-bench",
                true,
                &["services/gateway/protocol"],
            ),
            (
                "services/billing",
                "billing",
                true,
                &["services/gateway/protocol"],
            ),
        ],
    );
    init_then_check_loads(&scratch);
}

#[test]
fn server_folder_whose_nested_members_are_tools_clients_and_shared_contracts() {
    // The shape of a storage system: the server's folder also holds its
    // benchmark program, its client and the API both sides use.
    let scratch = cargo_workspace(
        "nested-server",
        &[
            (
                "pageserver",
                "pageserver",
                true,
                &["pageserver/api", "libs/utils"],
            ),
            (
                "pageserver/pagebench",
                "pagebench",
                true,
                &["pageserver/api", "pageserver/client"],
            ),
            (
                "pageserver/client",
                "pageserver-client",
                false,
                &["pageserver/api"],
            ),
            ("pageserver/api", "pageserver-api", false, &[]),
            (
                "storage_controller",
                "storage-controller",
                true,
                &["pageserver/client", "pageserver/api", "libs/utils"],
            ),
            ("safekeeper", "safekeeper", true, &["libs/utils"]),
            ("libs/utils", "utils", false, &[]),
        ],
    );
    init_then_check_loads(&scratch);
}

#[test]
fn init_with_baseline_makes_day_one_green_and_stops_only_new_violations() {
    let scratch = Scratch::bare("shop");
    let init = crate::archfit_in(&scratch.root, &["init", "--baseline"]);
    assert_eq!(init.status.code(), Some(0), "{}", crate::stderr(&init));
    let said = crate::stderr(&init);
    assert!(said.contains("wrote archfit.toml"), "{said}");
    assert!(said.contains("archfit-baseline.json"), "{said}");
    assert!(!said.contains("run `cargo archfit baseline`"), "{said}");
    let check = crate::archfit_in(&scratch.root, &["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", crate::stdout(&check));
    let report: serde_json::Value = serde_json::from_str(&crate::stdout(&check)).expect("JSON");
    assert!(
        report["summary"]["baselined"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{report:#}"
    );
    // A new dependency of payments on inventory's internal crate.
    let manifest = scratch.root.join("services/payments/Cargo.toml");
    let text = scratch.read("services/payments/Cargo.toml").replacen(
        "[dependencies]\n",
        "[dependencies]\ninventory-stock = { path = \"../inventory/stock\" }\n",
        1,
    );
    std::fs::write(manifest, text).expect("write");
    let check = crate::archfit_in(&scratch.root, &["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1), "{}", crate::stdout(&check));
    let report: serde_json::Value = serde_json::from_str(&crate::stdout(&check)).expect("JSON");
    let errors: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(
        errors[0]["location"]["file"],
        "services/payments/Cargo.toml"
    );
}

#[test]
fn first_check_after_init_shows_the_command_that_freezes_todays_findings() {
    let hint = "help: `cargo archfit baseline` records today's findings in archfit-baseline.json";
    let scratch = Scratch::bare("shop");
    let init = crate::archfit_in(&scratch.root, &["init"]);
    assert_eq!(init.status.code(), Some(0), "{}", crate::stderr(&init));
    assert!(
        crate::stderr(&init).contains("run `cargo archfit baseline`"),
        "{}",
        crate::stderr(&init)
    );
    let first = crate::archfit_in(&scratch.root, &["check"]);
    assert_eq!(first.status.code(), Some(1));
    let text = crate::stdout(&first);
    let summary = text
        .lines()
        .position(|l| l.starts_with("archfit: "))
        .expect("summary line");
    assert!(
        text.lines()
            .nth(summary + 1)
            .is_some_and(|l| l.starts_with(hint)),
        "{text}"
    );
    let quiet = crate::archfit_in(&scratch.root, &["check", "-q"]);
    assert!(!crate::stdout(&quiet).contains(hint));

    let baseline = crate::archfit_in(&scratch.root, &["baseline"]);
    assert_eq!(
        baseline.status.code(),
        Some(0),
        "{}",
        crate::stderr(&baseline)
    );
    let second = crate::archfit_in(&scratch.root, &["check"]);
    assert_eq!(second.status.code(), Some(0), "{}", crate::stdout(&second));
    assert!(!crate::stdout(&second).contains(hint));

    // A configuration given with --config (a gate that takes it from the
    // base branch) never reads the checkout's baseline unless named, and
    // the hint, which would not make that run green, is not shown.
    let gate = crate::archfit_in(&scratch.root, &["check", "--config", "archfit.toml"]);
    assert_eq!(gate.status.code(), Some(1));
    assert!(
        !crate::stdout(&gate).contains(hint),
        "{}",
        crate::stdout(&gate)
    );
}

/// A workspace shaped like the cases `init` used to get wrong, written into
/// a fresh temporary directory: a CLI crate with a binary, a mock server
/// under `mocks/`, a proto crate with a build script, a compose file that
/// names the services' hosts, and a service folder with nested members.
fn shaped_workspace() -> Scratch {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "archfit-it-init-shaped-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    let package = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}")
    };
    let manifests: Vec<(&str, String)> = vec![
        (
            "services/orders/Cargo.toml",
            package(
                "orders",
                "orders-events = { path = \"events\" }\nshop-proto = { path = \"../../crates/shop-proto\" }\ntelemetry = { path = \"../../libs/telemetry\" }\naxum = \"0.7\"\nrdkafka = \"0.36\"\nreqwest = \"0.12\"\n",
            ),
        ),
        (
            "services/orders/events/Cargo.toml",
            package("orders-events", ""),
        ),
        (
            "crates/kitchen/Cargo.toml",
            package(
                "kitchen",
                "shop-proto = { path = \"../shop-proto\" }\ntelemetry = { path = \"../../libs/telemetry\" }\ntonic = \"0.12\"\nrdkafka = \"0.36\"\n",
            ),
        ),
        (
            "crates/shop-proto/Cargo.toml",
            format!(
                "{}\n[build-dependencies]\ntonic-build = \"0.12\"\n",
                package("shop-proto", "tonic = \"0.12\"\nprost = \"0.13\"\n")
            ),
        ),
        (
            "crates/shopctl/Cargo.toml",
            package(
                "shopctl",
                "clap = { version = \"4\", features = [\"derive\"] }\nreqwest = \"0.12\"\n",
            ),
        ),
        (
            "crates/reporting/Cargo.toml",
            package("reporting", "clap = \"4\"\n"),
        ),
        (
            "mocks/payment-provider/Cargo.toml",
            package("payment-provider-mock", "axum = \"0.7\"\n"),
        ),
        (
            "libs/telemetry/Cargo.toml",
            package("telemetry", ""),
        ),
    ];
    let files: Vec<(&str, &str)> = vec![
        (
            "Cargo.toml",
            "[workspace]\nresolver = \"2\"\nmembers = [\n    \"services/orders\",\n    \"services/orders/events\",\n    \"crates/kitchen\",\n    \"crates/shop-proto\",\n    \"crates/shopctl\",\n    \"crates/reporting\",\n    \"mocks/payment-provider\",\n    \"libs/telemetry\",\n]\n"
        ),
        (
            "services/orders/src/main.rs",
            "//! Takes orders over HTTP and tells the kitchen.\n\nmod kitchen;\n\n#[tokio::main]\nasync fn main() {\n    telemetry::init(\"orders\");\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n    axum::serve(listener, routes()).await.unwrap();\n}\n\nfn routes() -> axum::Router {\n    axum::Router::new()\n}\n",
        ),
        (
            "services/orders/src/kitchen.rs",
            "use rdkafka::producer::{FutureProducer, FutureRecord};\n\nconst KITCHEN_URL: &str = \"http://kitchen-rpc:9000/tickets\";\n\n/// Sends the ticket to the kitchen, then tells everyone the order is placed.\npub async fn place(producer: &FutureProducer, ticket: &str) {\n    let _ = reqwest::Client::new().post(KITCHEN_URL).body(ticket.to_string()).send().await;\n    let record = FutureRecord::to(orders_events::ORDER_PLACED).payload(ticket).key(\"order\");\n    let _ = producer.send(FutureRecord::to(\"orders.placed\").payload(ticket).key(\"order\"), std::time::Duration::from_secs(1)).await;\n    drop(record);\n}\n",
        ),
        (
            "services/orders/events/src/lib.rs",
            "/// Published when an order is accepted.\npub const ORDER_PLACED: &str = \"orders.placed\";\n",
        ),
        (
            "crates/kitchen/src/main.rs",
            "//! Cooks what the tickets say.\n\nuse rdkafka::consumer::{Consumer, StreamConsumer};\nuse shop_proto::tickets_server::TicketsServer;\nuse tonic::transport::Server;\n\n#[tokio::main]\nasync fn main() {\n    telemetry::init(\"kitchen\");\n    let consumer: StreamConsumer = consumer();\n    consumer.subscribe(&[\"orders.placed\"]).unwrap();\n    Server::builder()\n        .add_service(TicketsServer::new(Kitchen))\n        .serve(\"0.0.0.0:9000\".parse().unwrap())\n        .await\n        .unwrap();\n}\n",
        ),
        (
            "crates/shop-proto/build.rs",
            "fn main() {\n    tonic_build::compile_protos(\"proto/kitchen.proto\").unwrap();\n}\n"
        ),
        (
            "crates/shop-proto/proto/kitchen.proto",
            "syntax = \"proto3\";\npackage shop.kitchen.v1;\n\n// Tickets the kitchen cooks.\nservice Tickets {\n  rpc Open(Ticket) returns (Ticket);\n}\n\nmessage Ticket { string order_id = 1; }\n"
        ),
        (
            "crates/shop-proto/src/lib.rs",
            "tonic::include_proto!(\"shop.kitchen.v1\");\n"
        ),
        (
            "crates/shopctl/src/main.rs",
            "//! Operators' command line: replays a stuck order.\nuse clap::Parser;\n\n#[derive(Parser)]\nstruct Args {\n    #[arg(long, default_value = \"http://orders:8080\")]\n    orders: String,\n    order_id: String,\n}\n\nfn main() {\n    let args = Args::parse();\n    let _ = reqwest::blocking::Client::new().post(format!(\"{}/orders/{}/replay\", args.orders, args.order_id)).send();\n}\n",
        ),
        (
            "crates/reporting/src/main.rs",
            "use clap::Parser;\n\n#[derive(Parser)]\nstruct Args { month: String }\n\nfn main() {\n    let args = Args::parse();\n    println!(\"report for {}\", args.month);\n}\n",
        ),
        (
            "mocks/payment-provider/src/main.rs",
            "//! Stands in for the card processor in end-to-end runs.\n#[tokio::main]\nasync fn main() {\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:7000\").await.unwrap();\n    axum::serve(listener, axum::Router::new()).await.unwrap();\n}\n",
        ),
        (
            "libs/telemetry/src/lib.rs",
            "/// Sets up logs and traces for a service.\npub fn init(service: &str) {\n    let _ = service;\n}\n"
        ),
        (
            "deploy/docker-compose.yml",
            "services:\n  orders:\n    build:\n      context: ..\n      dockerfile: services/orders/Dockerfile\n    environment:\n      KITCHEN_URL: http://kitchen-rpc:9000\n  kitchen-rpc:\n    build: ../crates/kitchen\n    container_name: shop-kitchen\n  kafka:\n    image: bitnami/kafka:3.7\n"
        ),
        (
            "services/orders/Dockerfile",
            "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release -p orders\nFROM debian:bookworm-slim\nCOPY --from=build /src/target/release/orders /usr/local/bin/orders\nENTRYPOINT [\"/usr/local/bin/orders\"]\n"
        ),
    ];
    for (path, text) in files
        .into_iter()
        .chain(manifests.iter().map(|(path, text)| (*path, text.as_str())))
    {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
        std::fs::write(path, text).expect("write");
    }
    Scratch { root }
}

#[test]
fn init_guesses_services_contracts_hosts_topics_and_grpc_from_code_and_deployment_files() {
    let scratch = shaped_workspace();
    scratch.init(false).expect("init writes");
    let outcome = scratch.check().unwrap_or_else(|e| {
        panic!(
            "the written configuration does not load:\n{}\n{}",
            describe(&e),
            scratch.read("archfit.toml")
        )
    });
    let config = scratch.read("archfit.toml");
    for (pattern, note) in [
        (
            "services/orders",
            "service folder: orders, orders-events",
        ),
        (
            "crates/kitchen",
            "deployed: built from its folder by compose service kitchen-rpc in deploy/docker-compose.yml",
        ),
        ("crates/shopctl", "command-line tool by its name (no deployment found)"),
        (
            "crates/reporting",
            "command-line tool: parses arguments with clap, starts no server or consumer loop, no deployment found",
        ),
        ("mocks/payment-provider", "developer tooling"),
        (
            "crates/shop-proto",
            "contract crate (its build.rs runs tonic_build): sharing a contract is allowed",
        ),
        ("libs/telemetry", "named like operational code"),
        ("orders.placed", "published at services/orders/src/kitchen.rs:9"),
        ("kitchen-rpc", "compose service in deploy/docker-compose.yml"),
        ("shop-kitchen", "container_name in deploy/docker-compose.yml"),
        (
            "shop.kitchen.v1.Tickets",
            "declared in crates/shop-proto/proto/kitchen.proto; kitchen names TicketsServer",
        ),
    ] {
        assert!(has_entry(&config, pattern, note), "{pattern}: {note}\n{config}");
    }
    assert!(
        config.contains("# subscribes to \"orders.placed\" at crates/kitchen/src/main.rs:11 (owned by orders)\n"),
        "{config}"
    );
    // Nothing init guessed is flagged as shared domain code, and the HTTP
    // call to the kitchen's compose name and the kitchen's subscription
    // make the service graph: orders → kitchen (http), kitchen → orders (event).
    let shared: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.check == "shared-coupling")
        .map(|f| f.message.as_str())
        .collect();
    assert!(shared.is_empty(), "{shared:?}\n{config}");
    let cycles: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.check == "cycles")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(cycles.len(), 1, "{cycles:?}\n{config}");
    assert!(
        cycles[0].contains("orders -[http]-> kitchen")
            || cycles[0].contains("kitchen -[event: orders.placed]-> orders"),
        "{}",
        cycles[0]
    );
}
