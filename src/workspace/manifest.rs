//! Spans of dependency entries in a `Cargo.toml`, so findings can point at
//! the exact line that creates a dependency. cargo_metadata gives the facts;
//! this gives the places.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::DepKind;

/// Where entries sit in one manifest.
#[derive(Debug, Default)]
pub struct ManifestSpans {
    /// (kind, target cfg, key) → span of the entry.
    pub dependencies: BTreeMap<(DepKind, Option<String>, String), Range<usize>>,
    pub package_name: Option<Range<usize>>,
    /// `[package.metadata.archfit] service = "…"`.
    pub declared_service: Option<(String, Range<usize>)>,
}

impl ManifestSpans {
    /// Span of a dependency entry; tolerates cfg strings that cargo printed
    /// with different spacing than the manifest has.
    pub fn dependency(
        &self,
        kind: DepKind,
        target: Option<&str>,
        key: &str,
    ) -> Option<Range<usize>> {
        let wanted = (kind, target.map(str::to_string), key.to_string());
        if let Some(span) = self.dependencies.get(&wanted) {
            return Some(span.clone());
        }
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let target = target.map(squash);
        self.dependencies
            .iter()
            .find(|((k, t, n), _)| *k == kind && n == key && t.as_deref().map(squash) == target)
            .map(|(_, span)| span.clone())
    }
}

/// Reads entry spans. A manifest that does not parse gives no spans: cargo
/// has already accepted it, so this only happens on races or odd encodings.
pub fn spans(text: &str) -> ManifestSpans {
    let mut out = ManifestSpans::default();
    let Ok(root) = DeTable::parse(text) else {
        return out;
    };
    let root = root.get_ref();
    for kind in [DepKind::Normal, DepKind::Build, DepKind::Dev] {
        for table in table_names(kind) {
            if let Some(deps) = lookup(root, table).and_then(|v| v.get_ref().as_table()) {
                collect(&mut out, kind, None, deps);
            }
        }
    }
    if let Some(targets) = lookup(root, "target").and_then(|v| v.get_ref().as_table()) {
        for (cfg, value) in targets {
            let Some(target_table) = value.get_ref().as_table() else {
                continue;
            };
            for kind in [DepKind::Normal, DepKind::Build, DepKind::Dev] {
                for table in table_names(kind) {
                    if let Some(deps) =
                        lookup(target_table, table).and_then(|v| v.get_ref().as_table())
                    {
                        collect(&mut out, kind, Some(cfg.get_ref().to_string()), deps);
                    }
                }
            }
        }
    }
    if let Some(package) = lookup(root, "package").and_then(|v| v.get_ref().as_table()) {
        out.package_name = entry_span(package, "name");
        let archfit = lookup(package, "metadata")
            .and_then(|m| m.get_ref().as_table())
            .and_then(|m| lookup(m, "archfit"))
            .and_then(|a| a.get_ref().as_table());
        if let Some(service) = archfit.and_then(|a| lookup(a, "service")) {
            if let Some(name) = service.get_ref().as_str() {
                out.declared_service = Some((name.to_string(), service.span()));
            }
        }
    }
    out
}

fn table_names(kind: DepKind) -> &'static [&'static str] {
    match kind {
        DepKind::Normal => &["dependencies"],
        DepKind::Build => &["build-dependencies", "build_dependencies"],
        DepKind::Dev => &["dev-dependencies", "dev_dependencies"],
    }
}

fn collect(out: &mut ManifestSpans, kind: DepKind, target: Option<String>, deps: &DeTable<'_>) {
    for (key, value) in deps {
        let key_span = key.span();
        let value_span = value.span();
        // `[dependencies.foo]` tables put the key in a header far from the
        // body; point at the key alone then.
        let span = if value_span.start >= key_span.start && value_span.end > key_span.end {
            key_span.start..value_span.end
        } else {
            key_span
        };
        out.dependencies
            .insert((kind, target.clone(), key.get_ref().to_string()), span);
    }
}

/// Value of `key` in `table`.
pub fn lookup<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn entry_span(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(k, v)| k.span().start..v.span().end.max(k.span().end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[package]
name = "orders"

[dependencies]
serde = "1"
stock = { package = "inventory-stock", path = "../inventory/stock" }

[dev-dependencies.orders-testkit]
path = "../testkit"

[target.'cfg(unix)'.dependencies]
orders-model = { path = "../model" }

[package.metadata.archfit]
service = "orders"
"#;

    fn text_of(span: Range<usize>) -> &'static str {
        &MANIFEST[span]
    }

    #[test]
    fn renamed_dependency_spans_its_whole_entry() {
        let spans = spans(MANIFEST);
        let span = spans.dependency(DepKind::Normal, None, "stock").unwrap();
        assert_eq!(
            text_of(span),
            r#"stock = { package = "inventory-stock", path = "../inventory/stock" }"#
        );
    }

    #[test]
    fn target_specific_dependency_is_found_by_cfg() {
        let spans = spans(MANIFEST);
        let span = spans
            .dependency(DepKind::Normal, Some("cfg(unix)"), "orders-model")
            .unwrap();
        assert!(text_of(span).starts_with("orders-model = {"));
        assert!(spans
            .dependency(DepKind::Normal, None, "orders-model")
            .is_none());
    }

    #[test]
    fn dotted_table_dependency_points_at_its_key() {
        let spans = spans(MANIFEST);
        let span = spans
            .dependency(DepKind::Dev, None, "orders-testkit")
            .unwrap();
        assert!(text_of(span).contains("orders-testkit"));
    }

    #[test]
    fn package_name_and_declared_service() {
        let spans = spans(MANIFEST);
        assert_eq!(text_of(spans.package_name.unwrap()), r#"name = "orders""#);
        let (service, span) = spans.declared_service.unwrap();
        assert_eq!(service, "orders");
        assert_eq!(text_of(span), r#""orders""#);
    }

    #[test]
    fn broken_manifest_gives_no_spans() {
        let spans = spans("[dependencies\nfoo = ");
        assert!(spans.dependencies.is_empty());
    }
}
