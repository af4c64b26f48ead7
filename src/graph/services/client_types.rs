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

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use super::{ClientOf, GrpcClients};
use crate::facts::{self, Facts, Name, NameMap, NameSet};
use crate::workspace::{Architecture, Role};

/// An item of a member: the member, and `module::Item`, or for a method
/// `module::Type.method` (what it calls) and `module::Type>method` (what
/// it hands out).
type Key = (usize, Name);

/// The client items of every non-excluded member (production code only).
#[derive(Default)]
pub(super) struct ClientTypes {
    /// Item → the services it calls.
    known: NameMap<Key, BTreeSet<usize>>,
    /// Per member: what it defines.
    defined: HashMap<usize, Defined>,
}

/// What one member defines, for resolving names against it.
#[derive(Default)]
struct Defined {
    /// Item name (struct, enum, alias, trait, free function) → where each
    /// one of that name is defined.
    items: NameMap<Name, Vec<Place>>,
    /// Structs, enums, aliases and traits: what a public method makes a
    /// client.
    types: NameSet<Name>,
    /// Method name → the types defining one, with the method's keys.
    methods: NameMap<Name, Vec<Method>>,
    /// Module names: `clients::GrpcBroker` in the crate that has `mod clients`.
    modules: NameSet<Name>,
}

/// Where an item is defined: its module path and its key there.
struct Place {
    modules: Vec<Name>,
    key: Name,
}

/// A method of a type, with its keys computed once.
#[derive(Clone, Copy)]
struct Method {
    /// The type's key.
    owner: Name,
    /// `Type.method`: what it calls.
    own: Name,
    /// `Type>method`: what it hands out.
    hands_out: Name,
}

/// Where an item's services come from, resolved once: reading it is a few
/// map look-ups.
enum Ref {
    /// The generated client of this service.
    Service(usize),
    /// One of same-named items: all must agree (one alone decides).
    Agreeing(Vec<Key>),
    /// A method called on a value the call does not name: every method of
    /// that name must hand out a client of the same services.
    HandsOut(Vec<Key>),
}

/// `targets` call what `refs` call, when `condition` (a reference and a
/// service it must reach) holds.
struct Rule {
    targets: Vec<Key>,
    refs: Vec<Ref>,
    condition: Option<(Ref, usize)>,
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
        named_for: impl Fn(&str) -> Option<usize> + Sync,
    ) -> ClientTypes {
        // Every client starts at a generated one: without `grpc` names
        // there is nothing to follow.
        if grpc.is_empty() {
            return ClientTypes::default();
        }
        let members: Vec<usize> = (0..facts.crates.len())
            .filter(|&m| architecture.roles.get(m) != Some(&Role::Excluded))
            .collect();
        let mut clients = ClientTypes {
            known: NameMap::default(),
            defined: members
                .iter()
                .map(|&m| (m, Defined::of(&facts.crates[m].files)))
                .collect(),
        };
        let no_dependencies = HashMap::new();
        let files: Vec<(usize, &facts::FileFacts)> = members
            .iter()
            .flat_map(|&m| facts.crates[m].files.iter().map(move |f| (m, f)))
            .collect();
        // Resolving names is most of the work, and each file's on its own.
        let rules: Vec<Rule> = files
            .par_iter()
            .flat_map_iter(|&(member, file)| {
                let lookup = Lookup {
                    defined: &clients.defined,
                    grpc,
                    member,
                    dependencies: dependencies.get(member).unwrap_or(&no_dependencies),
                    bindings: bindings(file),
                };
                let mut rules = Vec::new();
                lookup.rules(file, &members, &named_for, &mut rules);
                rules
            })
            .collect();
        // Which rules read each item: once every rule has run, only those
        // whose inputs changed run again.
        let mut readers: NameMap<Key, Vec<usize>> = NameMap::default();
        for (index, rule) in rules.iter().enumerate() {
            let condition = rule.condition.iter().map(|(reference, _)| reference);
            for reference in rule.refs.iter().chain(condition) {
                if let Ref::Agreeing(keys) | Ref::HandsOut(keys) = reference {
                    for key in keys {
                        readers.entry(*key).or_default().push(index);
                    }
                }
            }
        }
        // A queue of rules to run, each once until an input changes: sets
        // only grow and are bounded by the services, so it runs dry.
        let mut queued = vec![true; rules.len()];
        let mut queue: std::collections::VecDeque<usize> = (0..rules.len()).collect();
        while let Some(index) = queue.pop_front() {
            queued[index] = false;
            let rule = &rules[index];
            if let Some((reference, to)) = &rule.condition {
                if !clients.read(reference).contains(to) {
                    continue;
                }
            }
            let mut services = BTreeSet::new();
            for reference in &rule.refs {
                services.extend(clients.read(reference));
            }
            if services.is_empty() {
                continue;
            }
            for target in &rule.targets {
                let entry = clients.known.entry(*target).or_default();
                let before = entry.len();
                entry.extend(services.iter().copied());
                if entry.len() == before {
                    continue;
                }
                for &reader in readers.get(target).into_iter().flatten() {
                    if !queued[reader] {
                        queued[reader] = true;
                        queue.push_back(reader);
                    }
                }
            }
        }
        clients
    }

    /// Services of the item of `member` a path names after its crate
    /// (`client_manager::NodeClients::new` in `client`): the last segment
    /// that is a client item of the crate, through the modules before it.
    pub(super) fn in_path(&self, member: usize, segments: &[Name]) -> BTreeSet<usize> {
        let Some(defined) = self.defined.get(&member) else {
            return BTreeSet::new();
        };
        // The last that is a client: `Database::new` names `Database`, even
        // when the crate also has a free function `new`.
        (0..segments.len())
            .rev()
            .filter_map(|i| candidates(defined, member, &segments[i], &segments[..i], None))
            .map(|keys| self.read(&Ref::Agreeing(keys)))
            .find(|services| !services.is_empty())
            .unwrap_or_default()
    }

    fn read(&self, reference: &Ref) -> BTreeSet<usize> {
        let get = |key: &Key| self.known.get(key);
        match reference {
            Ref::Service(to) => BTreeSet::from([*to]),
            Ref::Agreeing(keys) => {
                let mut sets = keys.iter().map(get);
                let first = sets.next().flatten();
                if sets.all(|set| set == first) {
                    first.cloned().unwrap_or_default()
                } else {
                    BTreeSet::new()
                }
            }
            Ref::HandsOut(keys) => {
                let mut sets = keys.iter().map(get);
                match sets.next().flatten() {
                    Some(first) if sets.all(|set| set == Some(first)) => first.clone(),
                    _ => BTreeSet::new(),
                }
            }
        }
    }
}

/// The keys of item `name` of `member`, written behind the modules `hint`
/// (`cache_invalidator` of `cache_invalidator::Context`) or met unqualified
/// in module `from`: the one the modules or the place pick, else every
/// same-named one (which must then agree).
fn candidates<S: AsRef<str>>(
    defined: &Defined,
    member: usize,
    name: &str,
    hint: &[S],
    from: Option<&[Name]>,
) -> Option<Vec<Key>> {
    let places = defined.items.get(name)?;
    let hint: Vec<&str> = hint
        .iter()
        .map(AsRef::as_ref)
        .skip_while(|s| matches!(*s, "crate" | "self" | "super"))
        .collect();
    let picks = |place: &&Place| {
        if hint.is_empty() {
            from.is_some_and(|from| place.modules == from)
        } else {
            place.modules.len() >= hint.len()
                && place.modules[place.modules.len() - hint.len()..]
                    .iter()
                    .zip(&hint)
                    .all(|(a, b)| a.as_str() == *b)
        }
    };
    let picked: Vec<&Place> = places.iter().filter(picks).collect();
    let chosen: Vec<&Place> = if picked.len() == 1 {
        picked
    } else {
        places.iter().collect()
    };
    Some(
        chosen
            .into_iter()
            .map(|place| (member, place.key))
            .collect(),
    )
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
            let functions = file
                .functions
                .iter()
                .filter(|f| f.owner.is_none() && !file.is_test_code(f.module))
                .map(|f| (f.name, f.module));
            for (name, module) in items {
                defined.types.insert(name);
                defined.define(name, module_path(file, module).to_vec());
            }
            for (name, module) in functions {
                defined.define(name, module_path(file, module).to_vec());
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
                let Some(owner) = defined.type_key(owner, module_path(file, function.module))
                else {
                    continue;
                };
                let methods = defined.methods.entry(function.name).or_default();
                if methods.iter().all(|m| m.owner != owner) {
                    methods.push(Method {
                        owner,
                        own: Name::new(&format!("{owner}.{}", function.name)),
                        hands_out: Name::new(&format!("{owner}>{}", function.name)),
                    });
                }
            }
        }
        defined
    }

    fn define(&mut self, name: Name, modules: Vec<Name>) {
        let key = qualified(&modules, name.as_str());
        self.items
            .entry(name)
            .or_default()
            .push(Place { modules, key });
    }

    /// Type `owner`'s method `name`.
    fn method(&self, owner: Name, name: Name) -> Option<Method> {
        self.methods
            .get(&name)?
            .iter()
            .find(|m| m.owner == owner)
            .copied()
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
            several => several.iter().find(|p| p.modules == from)?,
        };
        Some(place.key)
    }
}

/// The path of `module` of `file` from its crate's root.
fn module_path(file: &facts::FileFacts, module: usize) -> &[Name] {
    file.modules.get(module).map_or(&[], |m| &m.path[..])
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
fn bindings(file: &facts::FileFacts) -> NameMap<&str, &[Name]> {
    file.uses
        .iter()
        .filter_map(|u| Some((u.binding()?, &u.segments[..])))
        .collect()
}

// A method's keys: `Type.method` for what it calls, and `Type>method`
// for what it hands out (its return type names a client). Only the latter
// answer for a method called on a value the call does not name
// (`self.client.raw_region_client()`): a method that merely uses a client
// shares its name with too many methods of other crates (`handle`).

/// Resolves the names met in one file of one member.
struct Lookup<'a> {
    defined: &'a HashMap<usize, Defined>,
    grpc: &'a GrpcClients<'a>,
    member: usize,
    dependencies: &'a HashMap<String, usize>,
    bindings: NameMap<&'a str, &'a [Name]>,
}

impl Lookup<'_> {
    fn own(&self) -> &Defined {
        &self.defined[&self.member]
    }

    /// The rules of this file's production items.
    fn rules(
        &self,
        file: &facts::FileFacts,
        members: &[usize],
        named_for: &impl Fn(&str) -> Option<usize>,
        rules: &mut Vec<Rule>,
    ) {
        let member = self.member;
        let mut add = |targets: Vec<Key>, refs: Vec<Ref>, condition| {
            if !refs.is_empty() {
                rules.push(Rule {
                    targets,
                    refs,
                    condition,
                });
            }
        };
        for alias in &file.aliases {
            if !file.is_test_code(alias.module) {
                let from = module_path(file, alias.module);
                let key = (member, qualified(from, alias.name.as_str()));
                add(vec![key], self.types(&alias.targets, from), None);
            }
        }
        for function in &file.functions {
            if file.is_test_code(function.module) {
                continue;
            }
            let from = module_path(file, function.module);
            let Some(owner) = function.owner else {
                // A free function is a client helper by what it hands out
                // (`fn connect() -> BrokerClientChannel`).
                let key = (member, qualified(from, function.name.as_str()));
                add(vec![key], self.types(&function.returns, from), None);
                continue;
            };
            let Some(method) = self
                .own()
                .type_key(owner, from)
                .and_then(|owner| self.own().method(owner, function.name))
            else {
                continue;
            };
            let owner = method.owner;
            add(
                vec![(member, method.hands_out)],
                self.types(&function.returns, from),
                None,
            );
            let mut refs = self.types(&function.returns, from);
            refs.extend(
                function
                    .calls
                    .iter()
                    .filter_map(|call| self.call(*call, owner, from)),
            );
            let mut targets = vec![(member, method.own)];
            // Its type is a client when callers outside the crate reach the
            // call (a `pub(crate)` helper of a channel pool is not the
            // pool's purpose).
            if function.public {
                targets.push((member, owner));
            }
            add(targets, refs, None);
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
            let Some(implementer) = self.item(block.self_type.as_str(), from) else {
                continue;
            };
            if file.is_test_code(block.module) {
                continue;
            }
            let targets: Vec<Key> = members
                .iter()
                .filter_map(|&m| {
                    let places = self.defined[&m].items.get(&trait_name)?;
                    Some(places.iter().map(move |p| (m, p.key)))
                })
                .flatten()
                .collect();
            if !targets.is_empty() {
                add(targets, vec![Ref::Service(to)], Some((implementer, to)));
            }
        }
    }

    /// References of the types written in module `from` (each on its own:
    /// `Result<(String, PbRegionClient<Channel>)>` is a region client).
    fn types(&self, written: &[Name], from: &[Name]) -> Vec<Ref> {
        written
            .iter()
            .filter_map(|w| self.item(w.as_str(), from))
            .collect()
    }

    /// One item as written in module `from`: a path (`client::Database`)
    /// or a name, through the `use` that brought it in, else this member's
    /// item, else a generated client.
    fn item(&self, written: &str, from: &[Name]) -> Option<Ref> {
        if written.contains("::") {
            let segments: Vec<&str> = written.split("::").collect();
            return self.path(&segments);
        }
        if let Some(used) = self.bindings.get(written) {
            return self.path(used);
        }
        if self.own().items.contains_key(written) {
            let none: &[&str] = &[];
            return candidates(self.own(), self.member, written, none, Some(from))
                .map(Ref::Agreeing);
        }
        match self.grpc.named(&[written], usize::MAX) {
            ClientOf::Service(to) => Some(Ref::Service(to)),
            _ => None,
        }
    }

    /// A path: a generated client named anywhere in it, else the item of
    /// the crate its first segment names.
    fn path<S: AsRef<str>>(&self, segments: &[S]) -> Option<Ref> {
        match self.grpc.named(segments, usize::MAX) {
            ClientOf::Service(to) => return Some(Ref::Service(to)),
            ClientOf::NoEdge => return None,
            ClientOf::Nothing => {}
        }
        let first = segments.first()?.as_ref();
        let (member, rest) = match first {
            "crate" | "self" | "super" => (self.member, segments),
            name => match self.dependencies.get(name) {
                Some(&dependency) => (dependency, &segments[1..]),
                // A module of this crate (`clients::GrpcBroker`); anything
                // else is an outside crate's (`reqwest::Client`).
                None if self.own().modules.contains(first) => (self.member, segments),
                None => return None,
            },
        };
        let (last, modules) = rest.split_last()?;
        let defined = self.defined.get(&member)?;
        candidates(defined, member, last.as_ref(), modules, None).map(Ref::Agreeing)
    }

    /// What a call in a method of `owner` (a type key) reaches:
    /// `Type::function` of a client type (`RegionRequester::new`), a client
    /// helper function, the owner's own method (`self.handle_inner()`), or
    /// a method every definition of which in the crate hands out a client
    /// of the same services (`self.client.raw_region_client()`).
    fn call(&self, call: Name, owner: Name, from: &[Name]) -> Option<Ref> {
        let Some(method) = call.as_str().strip_prefix('.') else {
            return match call.as_str().split_once("::") {
                Some(("Self", _)) => Some(Ref::Agreeing(vec![(self.member, owner)])),
                // `module::function`: the function; `Type::function`: the type.
                Some((prefix, function)) if prefix.starts_with(char::is_lowercase) => {
                    self.path(&[prefix, function])
                }
                Some((prefix, _)) => self.item(prefix, from),
                None => self.item(call.as_str(), from),
            };
        };
        let defining = self.own().methods.get(method)?;
        if let Some(own) = defining.iter().find(|m| m.owner == owner) {
            return Some(Ref::Agreeing(vec![(self.member, own.own)]));
        }
        Some(Ref::HandsOut(
            defining
                .iter()
                .map(|m| (self.member, m.hands_out))
                .collect(),
        ))
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
        let grpc = GrpcClients::of(&architecture);
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
             pub fn new() -> u32 { 0 }\n\
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
        // The type a path names, though the crate has a free `new` too.
        assert_eq!(of(&clients, &names, 0, "GrpcBroker::new"), ["broker"]);
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
