//! Items of workspace crates that are clients of a declared gRPC service,
//! however many layers stand between them and the generated client: a
//! struct or enum holding one, a function or method returning one, a type
//! whose public methods build or use one, an alias or a trait made of
//! these, and a trait named for a service that a client of it implements.
//! A service whose code names one calls the services it is a client of,
//! even when every layer lives in shared crates (greptimedb's
//! `NodeClients::datanode` builds a `RegionRequester`, whose `handle` calls
//! `Client::raw_region_client`, which hands out the generated
//! `RegionClient`).
//!
//! Names are resolved the way the compiler would, as far as facts allow: a
//! path's first segment, or the `use` that brought a name in, says which
//! crate it belongs to (`reqwest::Client` is no workspace `Client`), and
//! its modules say which of a crate's same-named items it is
//! (`cache_invalidator::Context` is not `ddl::Context`). A method called on
//! a value the call does not name counts only when every method of that
//! name in the crate hands out a client of the same services.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{ClientOf, GrpcClients};
use crate::facts::{self, Facts, Name};
use crate::workspace::{Architecture, Role};

/// Rounds of propagation: each round lets evidence climb one more layer
/// (field → struct → method → type → alias …). Real wrappers are a handful
/// deep; the cap only bounds pathological inputs.
const MAX_ROUNDS: usize = 12;

/// The client items of every non-excluded member (production code only).
#[derive(Default)]
pub(super) struct ClientTypes {
    /// Per member: item key (`module::Item`, `module::Type.method`,
    /// `module::Type>method`) → the services it calls.
    known: HashMap<usize, HashMap<Name, BTreeSet<usize>>>,
    /// Per member: what it defines.
    defined: HashMap<usize, Defined>,
}

/// What one member defines, for resolving names against it.
#[derive(Default)]
struct Defined {
    /// Item name (struct, enum, alias, trait, free function) → the modules
    /// defining one.
    items: HashMap<Name, Vec<Vec<Name>>>,
    /// Structs, enums, aliases and traits: what a public method makes a
    /// client.
    types: HashSet<Name>,
    /// Method name → the keys of the types defining one.
    methods: HashMap<Name, BTreeSet<Name>>,
    /// Module names: `clients::GrpcBroker` in the crate that has `mod clients`.
    modules: HashSet<Name>,
}

impl ClientTypes {
    /// Finds them. `dependencies[member]` maps the names a member's code
    /// uses for its workspace dependencies (`golem_common`) to those
    /// members; `named_for` gives the service a type name is named for.
    pub(super) fn find(
        architecture: &Architecture,
        facts: &Facts,
        grpc: &GrpcClients<'_>,
        dependencies: &[HashMap<String, usize>],
        named_for: impl Fn(&str) -> Option<usize>,
    ) -> ClientTypes {
        let members: Vec<usize> = (0..facts.crates.len())
            .filter(|&m| architecture.roles.get(m) != Some(&Role::Excluded))
            .collect();
        let mut clients = ClientTypes {
            known: HashMap::new(),
            defined: members
                .iter()
                .map(|&m| (m, Defined::of(&facts.crates[m].files)))
                .collect(),
        };
        let no_dependencies = HashMap::new();
        for _ in 0..MAX_ROUNDS {
            let mut found: Vec<(usize, Name, BTreeSet<usize>)> = Vec::new();
            for &member in &members {
                for file in &facts.crates[member].files {
                    let lookup = Lookup {
                        clients: &clients,
                        grpc,
                        member,
                        file,
                        dependencies: dependencies.get(member).unwrap_or(&no_dependencies),
                        bindings: bindings(file),
                    };
                    lookup.collect(&members, &named_for, &mut found);
                }
            }
            let mut changed = false;
            for (member, key, services) in found {
                if services.is_empty() {
                    continue;
                }
                let entry = clients
                    .known
                    .entry(member)
                    .or_default()
                    .entry(key)
                    .or_default();
                let before = entry.len();
                entry.extend(services);
                changed |= entry.len() != before;
            }
            if !changed {
                break;
            }
        }
        clients
    }

    /// Services of the item of `member` a path names after its crate
    /// (`client_manager::NodeClients::new` in `client`): the last segment
    /// that is an item of the crate, through the modules before it.
    pub(super) fn in_path(&self, member: usize, segments: &[Name]) -> BTreeSet<usize> {
        let Some(defined) = self.defined.get(&member) else {
            return BTreeSet::new();
        };
        (0..segments.len())
            .rev()
            .find(|&i| defined.items.contains_key(&segments[i]))
            .map(|i| self.services(member, segments[i].as_str(), &segments[..i], None))
            .unwrap_or_default()
    }

    /// Services of item `name` of `member`, written behind the modules
    /// `hint` (`cache_invalidator` of `cache_invalidator::Context`), or met
    /// unqualified in module `from`. Among same-named items, the one the
    /// modules or the place pick; else they must all agree.
    fn services(
        &self,
        member: usize,
        name: &str,
        hint: &[Name],
        from: Option<&[Name]>,
    ) -> BTreeSet<usize> {
        let Some(places) = self.defined.get(&member).and_then(|d| d.items.get(name)) else {
            return BTreeSet::new();
        };
        let hint: Vec<&str> = hint
            .iter()
            .map(Name::as_str)
            .skip_while(|s| matches!(*s, "crate" | "self" | "super"))
            .collect();
        let picked: Vec<&Vec<Name>> = places
            .iter()
            .filter(|place| {
                if hint.is_empty() {
                    from.is_some_and(|from| place.as_slice() == from)
                } else {
                    place.len() >= hint.len()
                        && place[place.len() - hint.len()..]
                            .iter()
                            .zip(&hint)
                            .all(|(a, b)| a.as_str() == *b)
                }
            })
            .collect();
        let candidates: Vec<&Vec<Name>> = if picked.len() == 1 {
            picked
        } else {
            places.iter().collect()
        };
        let mut agreed: Option<BTreeSet<usize>> = None;
        for place in candidates {
            let services = self.get(member, &qualified(place, name));
            if agreed.as_ref().is_some_and(|a| *a != services) {
                return BTreeSet::new();
            }
            agreed = Some(services);
        }
        agreed.unwrap_or_default()
    }

    fn get(&self, member: usize, key: &Name) -> BTreeSet<usize> {
        self.known
            .get(&member)
            .and_then(|k| k.get(key))
            .cloned()
            .unwrap_or_default()
    }
}

impl Defined {
    fn of(files: &[facts::FileFacts]) -> Defined {
        let mut defined = Defined::default();
        for file in files {
            let items = file
                .aliases
                .iter()
                .filter(|alias| !file.is_test_code(alias.module))
                .map(|alias| (alias.name, alias.module));
            for (name, module) in items {
                defined.types.insert(name);
                defined
                    .items
                    .entry(name)
                    .or_default()
                    .push(module_path(file, module));
            }
            for function in &file.functions {
                if function.owner.is_none() && !file.is_test_code(function.module) {
                    defined
                        .items
                        .entry(function.name)
                        .or_default()
                        .push(module_path(file, function.module));
                }
            }
            defined
                .modules
                .extend(file.modules.iter().flat_map(|m| m.path.iter().copied()));
        }
        for file in files {
            for function in &file.functions {
                let Some(owner) = function.owner else {
                    continue;
                };
                if file.is_test_code(function.module) {
                    continue;
                }
                if let Some(key) = defined.type_key(owner, &module_path(file, function.module)) {
                    defined
                        .methods
                        .entry(function.name)
                        .or_default()
                        .insert(key);
                }
            }
        }
        defined
    }

    /// The key of type `name` as an `impl` in module `from` means it: the
    /// one defined there, else the crate's only one (`None` for a type
    /// defined elsewhere, `Arc` of an `impl Trait for Arc<Worker>`).
    fn type_key(&self, name: Name, from: &[Name]) -> Option<Name> {
        if !self.types.contains(&name) {
            return None;
        }
        let places = self.items.get(&name)?;
        let place = match places.as_slice() {
            [only] => only,
            several => several.iter().find(|p| p.as_slice() == from)?,
        };
        Some(qualified(place, name.as_str()))
    }
}

/// The path of `module` of `file` from its crate's root.
fn module_path(file: &facts::FileFacts, module: usize) -> Vec<Name> {
    file.modules
        .get(module)
        .map(|m| m.path.clone())
        .unwrap_or_default()
}

/// `module::path::Item`; `Item` at the crate's root.
fn qualified(module: &[Name], name: &str) -> Name {
    if module.is_empty() {
        return Name::new(name);
    }
    let mut key = String::new();
    for part in module {
        key.push_str(part.as_str());
        key.push_str("::");
    }
    key.push_str(name);
    Name::new(&key)
}

/// The names a file's `use`s bring into scope, with the paths they name.
fn bindings(file: &facts::FileFacts) -> HashMap<&str, &[Name]> {
    file.uses
        .iter()
        .filter_map(|u| Some((u.binding()?, &u.segments[..])))
        .collect()
}

/// A method's own entry: `Type.method`.
fn method_key(owner: Name, method: Name) -> Name {
    Name::new(&format!("{owner}.{method}"))
}

/// A method whose return type names a client: `Type>method`. Only these
/// answer for a method called on a value the call does not name
/// (`self.client.raw_region_client()`): a method that merely uses a client
/// shares its name with too many methods of other crates (`handle`).
fn hands_out_key(owner: Name, method: Name) -> Name {
    Name::new(&format!("{owner}>{method}"))
}

/// Resolves names met in one file of one member.
struct Lookup<'a> {
    clients: &'a ClientTypes,
    grpc: &'a GrpcClients<'a>,
    member: usize,
    file: &'a facts::FileFacts,
    dependencies: &'a HashMap<String, usize>,
    bindings: HashMap<&'a str, &'a [Name]>,
}

impl Lookup<'_> {
    fn defined(&self) -> &Defined {
        &self.clients.defined[&self.member]
    }

    /// What this file's production items say, as (member, key, services).
    fn collect(
        &self,
        members: &[usize],
        named_for: &impl Fn(&str) -> Option<usize>,
        found: &mut Vec<(usize, Name, BTreeSet<usize>)>,
    ) {
        let file = self.file;
        let member = self.member;
        for alias in &file.aliases {
            if !file.is_test_code(alias.module) {
                let from = module_path(file, alias.module);
                let key = qualified(&from, alias.name.as_str());
                found.push((member, key, self.types(&alias.targets, &from)));
            }
        }
        for function in &file.functions {
            if file.is_test_code(function.module) {
                continue;
            }
            let from = module_path(file, function.module);
            let handed_out = self.types(&function.returns, &from);
            let Some(owner) = function.owner else {
                // A free function is a client helper by what it hands out
                // (`fn connect() -> BrokerClientChannel`).
                found.push((member, qualified(&from, function.name.as_str()), handed_out));
                continue;
            };
            let Some(owner) = self.defined().type_key(owner, &from) else {
                continue;
            };
            let mut services = handed_out.clone();
            for call in &function.calls {
                services.extend(self.call(call, owner, &from));
            }
            found.push((member, hands_out_key(owner, function.name), handed_out));
            // Its type is a client when callers outside the crate reach the
            // call (a `pub(crate)` helper of a channel pool is not the
            // pool's purpose).
            if function.public {
                found.push((member, owner, services.clone()));
            }
            found.push((member, method_key(owner, function.name), services));
        }
        // A trait named for a service (`DatanodeManager`) that a client of
        // that service implements stands for that client: code holding a
        // `dyn DatanodeManager` calls datanodes.
        for block in &file.impls {
            let Some(trait_name) = block.trait_name else {
                continue;
            };
            let Some(to) = named_for(trait_name.as_str()) else {
                continue;
            };
            let from = module_path(file, block.module);
            if file.is_test_code(block.module)
                || !self.item(block.self_type.as_str(), &from).contains(&to)
            {
                continue;
            }
            for &declaring in members {
                let places = self.clients.defined[&declaring].items.get(&trait_name);
                for place in places.into_iter().flatten() {
                    let key = qualified(place, trait_name.as_str());
                    found.push((declaring, key, BTreeSet::from([to])));
                }
            }
        }
    }

    /// Services of the types written (each on its own: `Result<(String,
    /// PbRegionClient<Channel>)>` is a region client), in module `from`.
    fn types(&self, written: &[Name], from: &[Name]) -> BTreeSet<usize> {
        written
            .iter()
            .flat_map(|w| self.item(w.as_str(), from))
            .collect()
    }

    /// Services of one item as written in module `from`: a path
    /// (`client::Database`) or a name, through the `use` that brought it
    /// in, else this member's item, else a generated client.
    fn item(&self, written: &str, from: &[Name]) -> BTreeSet<usize> {
        if written.contains("::") {
            let segments: Vec<Name> = written.split("::").map(Name::new).collect();
            return self.path(&segments);
        }
        if let Some(used) = self.bindings.get(written) {
            return self.path(used);
        }
        if self.defined().items.contains_key(written) {
            return self.clients.services(self.member, written, &[], Some(from));
        }
        match self.grpc.named(&[Name::new(written)], usize::MAX) {
            ClientOf::Service(to) => BTreeSet::from([to]),
            _ => BTreeSet::new(),
        }
    }

    /// Services of a path: a generated client named anywhere in it, else
    /// the item of the crate its first segment names.
    fn path(&self, segments: &[Name]) -> BTreeSet<usize> {
        match self.grpc.named(segments, usize::MAX) {
            ClientOf::Service(to) => return BTreeSet::from([to]),
            ClientOf::NoEdge => return BTreeSet::new(),
            ClientOf::Nothing => {}
        }
        let Some(first) = segments.first() else {
            return BTreeSet::new();
        };
        let (member, rest) = match first.as_str() {
            "crate" | "self" | "super" => (self.member, segments),
            name => match self.dependencies.get(name) {
                Some(&dependency) => (dependency, &segments[1..]),
                // A module of this crate (`clients::GrpcBroker`); anything
                // else is an outside crate's (`reqwest::Client`).
                None if self.defined().modules.contains(first) => (self.member, segments),
                None => return BTreeSet::new(),
            },
        };
        let Some((last, modules)) = rest.split_last() else {
            return BTreeSet::new();
        };
        self.clients.services(member, last.as_str(), modules, None)
    }

    /// Services a call in a method of `owner` (a type key) reaches:
    /// `Type::function` of a client type (`RegionRequester::new`), a client
    /// helper function, the owner's own method (`self.handle_inner()`), or
    /// a method every definition of which in the crate hands out a client
    /// of the same services (`self.client.raw_region_client()`).
    fn call(&self, call: &Name, owner: Name, from: &[Name]) -> BTreeSet<usize> {
        let Some(method) = call.as_str().strip_prefix('.') else {
            return match call.as_str().split_once("::") {
                Some(("Self", _)) => self.clients.get(self.member, &owner),
                // `module::function`: the function; `Type::function`: the type.
                Some((prefix, function)) if prefix.starts_with(char::is_lowercase) => {
                    self.path(&[Name::new(prefix), Name::new(function)])
                }
                Some((prefix, _)) => self.item(prefix, from),
                None => self.item(call.as_str(), from),
            };
        };
        let method = Name::new(method);
        let defining = self.defined().methods.get(&method);
        if defining.is_some_and(|d| d.contains(&owner)) {
            return self.clients.get(self.member, &method_key(owner, method));
        }
        let mut agreed: Option<BTreeSet<usize>> = None;
        for &owner in defining.into_iter().flatten() {
            let services = self.clients.get(self.member, &hands_out_key(owner, method));
            if services.is_empty() || agreed.as_ref().is_some_and(|a| *a != services) {
                return BTreeSet::new();
            }
            agreed = Some(services);
        }
        agreed.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{test_file, CrateFacts};

    /// Crates as (files), services as (name, grpc names), dependencies as
    /// (member, code name, member).
    fn find(
        crates: Vec<Vec<facts::FileFacts>>,
        services: &[(&str, &[&str])],
        roles: Vec<Role>,
        dependencies: &[(usize, &str, usize)],
    ) -> (ClientTypes, Vec<String>) {
        let facts = Facts {
            crates: crates
                .into_iter()
                .map(|files| CrateFacts {
                    files,
                    query_files: Vec::new(),
                })
                .collect(),
            ..Facts::default()
        };
        let architecture = Architecture {
            services: services
                .iter()
                .map(|(name, grpc)| crate::workspace::Service {
                    grpc: grpc.iter().map(|g| g.to_string()).collect(),
                    ..crate::workspace::Service::named(name)
                })
                .collect(),
            roles,
        };
        let grpc = GrpcClients::new(
            architecture
                .services
                .iter()
                .enumerate()
                .flat_map(|(s, service)| service.grpc.iter().map(move |g| (s, g.as_str()))),
        );
        let mut deps = vec![HashMap::new(); facts.crates.len()];
        for &(member, name, to) in dependencies {
            deps[member].insert(name.to_string(), to);
        }
        let names: Vec<String> = architecture
            .services
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let named_for = |type_name: &str| {
            let snake = super::super::tonic_snake_case(type_name);
            names
                .iter()
                .position(|n| snake == *n || snake.starts_with(&format!("{n}_")))
        };
        let clients = ClientTypes::find(&architecture, &facts, &grpc, &deps, named_for);
        (clients, names)
    }

    fn of(clients: &ClientTypes, names: &[String], member: usize, path: &str) -> Vec<String> {
        let segments: Vec<Name> = path.split("::").map(Name::new).collect();
        clients
            .in_path(member, &segments)
            .into_iter()
            .map(|s| names[s].clone())
            .collect()
    }

    #[test]
    fn helpers_hand_out_aliases_and_wrappers_of_one_services_client() {
        let lib = test_file(
            "broker/src/lib.rs",
            "pub async fn connect(endpoint: String) -> anyhow::Result<BrokerClientChannel> { Ok(BrokerServiceClient::connect(endpoint).await?) }\n\
             pub type BrokerClientChannel = proto::broker_service_client::BrokerServiceClient<Channel>;\n\
             pub fn default_endpoint() -> String { String::new() }\n\
             pub struct GrpcBroker { client: GrpcClient<BrokerServiceClient<Channel>>, retries: u32 }\n\
             pub struct Clients { broker: BrokerServiceClient<Channel>, routing: RoutingClient<Channel> }\n",
        );
        let (clients, names) = find(
            vec![vec![lib]],
            &[
                ("broker", &["storage_broker.BrokerService"]),
                ("routing", &["fleet.Routing"]),
            ],
            vec![Role::Shared],
            &[],
        );
        assert_eq!(of(&clients, &names, 0, "connect"), ["broker"]);
        assert_eq!(of(&clients, &names, 0, "BrokerClientChannel"), ["broker"]);
        assert_eq!(of(&clients, &names, 0, "GrpcBroker"), ["broker"]);
        // A struct holding two services' clients calls both.
        assert_eq!(of(&clients, &names, 0, "Clients"), ["broker", "routing"]);
        assert!(of(&clients, &names, 0, "default_endpoint").is_empty());
    }

    #[test]
    fn wrappers_in_shared_crates_are_followed_through_methods_and_named_traits() {
        // Member 0: the client layer; member 1: the planning layer whose
        // trait the client layer implements; member 2: a crate of its own
        // that only has a `Client` of its own.
        let channels = test_file(
            "client/src/channels.rs",
            "use proto::routing::v1::routing_client::RoutingClient as PbRoutingClient;\n\
             pub struct Channels { endpoints: Vec<String> }\n\
             impl Channels {\n\
                 pub fn peers(&self) -> usize { self.endpoints.len() }\n\
                 pub(crate) fn routing_client(&self) -> PbRoutingClient<Channel> { PbRoutingClient::new(self.channel()) }\n\
             }\n",
        );
        let requester = test_file(
            "client/src/routing.rs",
            "pub struct RoutingRequester { channels: crate::channels::Channels }\n\
             impl RoutingRequester {\n\
                 pub fn new(channels: Channels) -> Self { RoutingRequester { channels } }\n\
                 pub async fn quote_eta(&self) -> u32 { self.quote().await }\n\
                 async fn quote(&self) -> u32 { let mut c = self.channels.routing_client(); c.quote_eta(()).await }\n\
             }\n\
             impl planning::RoutingLookup for RoutingRequester { fn eta(&self) -> u32 { 0 } }\n\
             impl planning::Telemetry for RoutingRequester { fn record(&self) {} }\n\
             pub struct Context { requester: RoutingRequester }\n",
        );
        let pool = test_file(
            "client/src/pool.rs",
            "pub struct Context { peer: usize, channels: crate::channels::Channels }\n",
        );
        let planning = test_file(
            "planning/src/lib.rs",
            "pub trait RoutingLookup: Send + Sync { fn eta(&self) -> u32; }\n\
             pub trait Telemetry { fn record(&self); }\n\
             pub type RoutingLookupRef = Arc<dyn RoutingLookup>;\n\
             pub struct StraightLine;\n\
             impl RoutingLookup for StraightLine { fn eta(&self) -> u32 { 1 } }\n\
             pub struct TripPlanner { routing: RoutingLookupRef }\n\
             pub struct Recorder { sink: Box<dyn Telemetry> }\n",
        );
        let other = test_file(
            "billing/src/lib.rs",
            "pub struct Invoices { http: reqwest::Client, pool: client::pool::Context }\n",
        );
        let mut files = vec![channels, requester, pool];
        // Module paths as the crate's tree gives them.
        for (file, module) in files.iter_mut().zip(["channels", "routing", "pool"]) {
            file.modules[0].path = vec![Name::new(module)];
        }
        let (clients, names) = find(
            vec![files, vec![planning], vec![other]],
            &[("routing", &["fleet.routing.v1.Routing"])],
            vec![Role::Shared, Role::Shared, Role::Shared],
            &[(0, "planning", 1), (2, "client", 0)],
        );
        assert_eq!(
            of(&clients, &names, 0, "routing::RoutingRequester"),
            ["routing"]
        );
        assert_eq!(of(&clients, &names, 0, "routing::Context"), ["routing"]);
        assert_eq!(of(&clients, &names, 1, "RoutingLookupRef"), ["routing"]);
        assert_eq!(of(&clients, &names, 1, "TripPlanner"), ["routing"]);
        // What must stay silent: a pool whose only client maker is
        // `pub(crate)`, the pool's own `Context` (not routing's), a trait
        // named for no service, a fallback implementation, and a crate's
        // field of `reqwest::Client`.
        assert!(of(&clients, &names, 0, "channels::Channels").is_empty());
        assert!(of(&clients, &names, 0, "pool::Context").is_empty());
        assert!(of(&clients, &names, 1, "Recorder").is_empty());
        assert!(of(&clients, &names, 1, "Telemetry").is_empty());
        assert!(of(&clients, &names, 1, "StraightLine").is_empty());
        assert!(of(&clients, &names, 2, "Invoices").is_empty());
    }
}
