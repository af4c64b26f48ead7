//! The one syn visitor: walks a parsed file once and records every fact.

use std::sync::atomic::{AtomicUsize, Ordering};

use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Meta, Token, UseTree, Visibility};

use super::{
    Arg, AttributeFact, BindingFact, CallFact, MacroFact, ModDecl, ModuleFact, PathFact, Span,
    StringFact, TableMacroFact, UseFact,
};

/// Facts of one file, before the file-level bookkeeping is added.
#[derive(Debug, Default)]
pub(super) struct Extracted {
    pub modules: Vec<ModuleFact>,
    pub mods: Vec<ModDecl>,
    pub uses: Vec<UseFact>,
    pub paths: Vec<PathFact>,
    pub strings: Vec<StringFact>,
    pub calls: Vec<CallFact>,
    pub macros: Vec<MacroFact>,
    pub bindings: Vec<BindingFact>,
    pub attributes: Vec<AttributeFact>,
    pub tables: Vec<TableMacroFact>,
}

/// Tokenises then parses, so that an unbalanced delimiter is reported where
/// it is (syn's own `parse_file` only says "cannot parse string"). A shebang
/// line is blanked rather than cut so spans stay aligned.
fn parse(text: &str) -> Result<syn::File, (String, std::ops::Range<usize>)> {
    let blanked;
    let text = if text.starts_with("#!") && !text.starts_with("#![") {
        let end = text.find('\n').unwrap_or(text.len());
        blanked = format!("{}{}", " ".repeat(end), &text[end..]);
        blanked.as_str()
    } else {
        text
    };
    let tokens: TokenStream = text.parse().map_err(|e: proc_macro2::LexError| {
        (
            "unbalanced delimiter or invalid token".to_string(),
            e.span().byte_range(),
        )
    })?;
    syn::parse2(tokens).map_err(|e| (e.to_string(), e.span().byte_range()))
}

/// Files parsed by this process, so tests can prove each file is parsed once.
static PARSES: AtomicUsize = AtomicUsize::new(0);

/// How many files this process has parsed so far.
pub fn parse_count() -> usize {
    PARSES.load(Ordering::Relaxed)
}

/// A syntax error with its place.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// Parses `text` (module `module`, behind `cfg`) and extracts its facts.
/// Spans are converted to byte offsets before returning, so the thread's
/// proc-macro2 source map can be dropped right after.
pub(super) fn extract(
    text: &str,
    module: Vec<String>,
    cfg: Option<String>,
) -> Result<Extracted, SyntaxError> {
    // syn skips a byte order mark; spans must still count it.
    let (offset, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (3u32, rest),
        None => (0, text),
    };
    PARSES.fetch_add(1, Ordering::Relaxed);
    let outcome = parse(body).map(|file| {
        let mut visitor = Visitor {
            out: Extracted::default(),
            module: 0,
            macros: Vec::new(),
            offset,
        };
        visitor.out.modules.push(ModuleFact { path: module, cfg });
        visitor.visit_file(&file);
        visitor.out
    });
    let outcome = outcome.map_err(|(message, range)| SyntaxError {
        message,
        span: Span {
            start: range.start as u32 + offset,
            end: range.end as u32 + offset,
        },
    });
    // Spans of this file are no longer needed: free the thread's source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome
}

struct Visitor {
    out: Extracted,
    /// Current module (index into `out.modules`).
    module: usize,
    /// Names of the macros being walked, innermost last.
    macros: Vec<String>,
    offset: u32,
}

impl Visitor {
    fn span(&self, span: proc_macro2::Span) -> Span {
        let range = span.byte_range();
        Span {
            start: range.start as u32 + self.offset,
            end: range.end as u32 + self.offset,
        }
    }

    fn join(&self, start: proc_macro2::Span, end: proc_macro2::Span) -> Span {
        let start = self.span(start);
        let end = self.span(end);
        Span {
            start: start.start,
            end: end.end.max(start.end),
        }
    }

    fn flatten_use(
        &mut self,
        tree: &UseTree,
        prefix: &mut Vec<String>,
        start: Option<proc_macro2::Span>,
        public: bool,
    ) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                let start = start.or(Some(path.ident.span()));
                self.flatten_use(&path.tree, prefix, start, public);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let mut segments = prefix.clone();
                if name.ident != "self" || segments.is_empty() {
                    segments.push(name.ident.to_string());
                }
                let span = self.join(start.unwrap_or(name.ident.span()), name.ident.span());
                self.push_use(segments, None, false, public, span);
            }
            UseTree::Rename(rename) => {
                let mut segments = prefix.clone();
                if rename.ident != "self" || segments.is_empty() {
                    segments.push(rename.ident.to_string());
                }
                let span = self.join(start.unwrap_or(rename.ident.span()), rename.rename.span());
                self.push_use(
                    segments,
                    Some(rename.rename.to_string()),
                    false,
                    public,
                    span,
                );
            }
            UseTree::Glob(glob) => {
                let star = glob.star_token.spans[0];
                let span = self.join(start.unwrap_or(star), star);
                self.push_use(prefix.clone(), None, true, public, span);
            }
            UseTree::Group(group) => {
                for item in &group.items {
                    self.flatten_use(item, prefix, None, public);
                }
            }
        }
    }

    fn push_use(
        &mut self,
        segments: Vec<String>,
        alias: Option<String>,
        glob: bool,
        public: bool,
        span: Span,
    ) {
        self.out.uses.push(UseFact {
            module: self.module,
            segments,
            alias,
            glob,
            public,
            span,
        });
    }

    fn record_strings_in_tokens(&mut self, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => self.record_strings_in_tokens(group.stream()),
                TokenTree::Literal(literal) => {
                    if let Ok(Lit::Str(s)) = syn::parse2::<Lit>(TokenTree::Literal(literal).into())
                    {
                        self.visit_lit_str(&s);
                    }
                }
                _ => {}
            }
        }
    }

    fn literal(&self, expr: &Expr) -> Option<(String, Span)> {
        match expr {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Some((s.value(), self.span(s.span()))),
                _ => None,
            },
            Expr::Reference(r) => self.literal(&r.expr),
            Expr::Array(array) => array.elems.first().and_then(|e| self.literal(e)),
            Expr::Paren(p) => self.literal(&p.expr),
            Expr::Group(g) => self.literal(&g.expr),
            _ => None,
        }
    }

    fn arg(&self, expr: &Expr) -> Arg {
        if let Some((value, span)) = self.literal(expr) {
            return Arg::Str(value, span);
        }
        match expr {
            Expr::Path(path) => path
                .path
                .segments
                .last()
                .map_or(Arg::Other, |s| Arg::Name(s.ident.to_string())),
            Expr::Reference(r) => self.arg(&r.expr),
            Expr::Paren(p) => self.arg(&p.expr),
            Expr::MethodCall(call) if call.args.is_empty() => self.arg(&call.receiver),
            _ => Arg::Other,
        }
    }

    fn binding(&mut self, name: String, expr: &Expr, constant: bool) {
        if let Some((value, span)) = self.literal(expr) {
            self.out.bindings.push(BindingFact {
                module: self.module,
                name,
                value,
                span,
                constant,
            });
        }
    }

    /// Tables of diesel's `table! { schema.name (key) { … } … }`.
    fn diesel_tables(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            // name ( … ) { … }  or  schema . name ( … ) { … }
            let (schema, name, next) = match (&tokens[i], tokens.get(i + 1), tokens.get(i + 2)) {
                (
                    TokenTree::Ident(schema),
                    Some(TokenTree::Punct(dot)),
                    Some(TokenTree::Ident(name)),
                ) if dot.as_char() == '.' => (Some(schema.to_string()), name.clone(), i + 3),
                (TokenTree::Ident(name), _, _) => (None, name.clone(), i + 1),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let is_table = matches!(tokens.get(next), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis)
                && matches!(tokens.get(next + 1), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Brace);
            if is_table {
                let span = self.span(name.span());
                self.out.tables.push(TableMacroFact {
                    module: self.module,
                    name: name.to_string().trim_start_matches("r#").to_string(),
                    schema,
                    span,
                });
                i = next + 2;
            } else {
                i += 1;
            }
        }
    }
}

/// `#[cfg(…)]` of an item, as text.
pub(super) fn cfg_of(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::List(list) if list.path.is_ident("cfg") => Some(format!("cfg({})", list.tokens)),
        _ => None,
    })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

impl<'ast> Visit<'ast> for Visitor {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let name = item.ident.to_string();
        let cfg = cfg_of(&item.attrs).or_else(|| self.out.modules[self.module].cfg.clone());
        let span = self.join(item.mod_token.span, item.ident.span());
        let inline = item.content.as_ref().map(|_| {
            let mut path = self.out.modules[self.module].path.clone();
            path.push(name.clone());
            self.out.modules.push(ModuleFact {
                path,
                cfg: cfg.clone(),
            });
            self.out.modules.len() - 1
        });
        self.out.mods.push(ModDecl {
            module: self.module,
            name,
            inline,
            path_attr: path_attr(&item.attrs),
            cfg,
            span,
        });
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        if let (Some(index), Some((_, items))) = (inline, &item.content) {
            let outer = std::mem::replace(&mut self.module, index);
            for item in items {
                self.visit_item(item);
            }
            self.module = outer;
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let public = !matches!(item.vis, Visibility::Inherited);
        let mut prefix = Vec::new();
        if item.leading_colon.is_some() {
            prefix.push(String::new());
        }
        self.flatten_use(&item.tree, &mut prefix, None, public);
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let mut segments: Vec<String> = Vec::with_capacity(path.segments.len() + 1);
        if path.leading_colon.is_some() {
            segments.push(String::new());
        }
        segments.extend(path.segments.iter().map(|s| s.ident.to_string()));
        if segments.len() >= 2 {
            let first = path.segments.first().map(|s| s.ident.span());
            let last = path.segments.last().map(|s| s.ident.span());
            if let (Some(first), Some(last)) = (first, last) {
                let span = self.join(first, last);
                self.out.paths.push(PathFact {
                    module: self.module,
                    segments,
                    span,
                });
            }
        }
        visit::visit_path(self, path);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if let Meta::List(list) = &attr.meta {
            if list.path.is_ident("derive") {
                // Paths inside `#[derive(sqlx::FromRow)]` are uses of that crate.
                if let Ok(paths) =
                    list.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                {
                    for path in &paths {
                        self.visit_path(path);
                    }
                }
            } else if let Ok(pairs) =
                list.parse_args_with(Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated)
            {
                // `#[sea_orm(table_name = "orders")]`; `#[error("…")]` is
                // not a name-value list and is never recorded.
                let attribute = list
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                for pair in &pairs {
                    if let (Some(key), Some((value, span))) =
                        (pair.path.get_ident(), self.literal(&pair.value))
                    {
                        self.out.attributes.push(AttributeFact {
                            module: self.module,
                            attribute: attribute.clone(),
                            key: key.to_string(),
                            value,
                            span,
                        });
                    }
                }
            }
        }
        visit::visit_attribute(self, attr);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let pattern = match &local.pat {
            syn::Pat::Type(typed) => &*typed.pat,
            other => other,
        };
        if let (syn::Pat::Ident(pat), Some(init)) = (pattern, &local.init) {
            self.binding(pat.ident.to_string(), &init.expr, false);
        }
        visit::visit_local(self, local);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.binding(item.ident.to_string(), &item.expr, true);
        visit::visit_item_const(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.binding(item.ident.to_string(), &item.expr, true);
        visit::visit_item_static(self, item);
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.binding(item.ident.to_string(), &item.expr, true);
        visit::visit_impl_item_const(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let path: Vec<String> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let name = path.last().cloned().unwrap_or_default();
        let span = match (mac.path.segments.first(), mac.path.segments.last()) {
            (Some(first), Some(_)) => self.join(first.ident.span(), mac.delimiter.span().close()),
            _ => self.span(mac.delimiter.span().join()),
        };
        self.out.macros.push(MacroFact {
            module: self.module,
            path,
            span,
        });
        self.visit_path(&mac.path);
        self.macros.push(name.clone());
        // Most function-like macros take expressions (`format!`, `vec!`,
        // `sqlx::query!`, `tracing::info!`): walk them as code. Others
        // (`table! { … }`) only give up their string literals.
        match mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            Ok(exprs) => {
                for expr in &exprs {
                    self.visit_expr(expr);
                }
            }
            Err(_) => {
                if name == "table" {
                    self.diesel_tables(mac.tokens.clone());
                }
                self.record_strings_in_tokens(mac.tokens.clone());
            }
        }
        self.macros.pop();
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        let span = self.span(lit.span());
        self.out.strings.push(StringFact {
            module: self.module,
            value: lit.value(),
            span,
            in_macro: self.macros.last().cloned(),
        });
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let args = call.args.iter().map(|a| self.arg(a)).collect();
        let span = self.join(call.method.span(), call.paren_token.span.close());
        self.out.calls.push(CallFact {
            module: self.module,
            callee: vec![call.method.to_string()],
            method: true,
            args,
            span,
        });
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*call.func {
            let callee: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let args = call.args.iter().map(|a| self.arg(a)).collect();
            let start = path.path.segments.first().map(|s| s.ident.span());
            let span = match start {
                Some(start) => self.join(start, call.paren_token.span.close()),
                None => self.span(call.paren_token.span.join()),
            };
            self.out.calls.push(CallFact {
                module: self.module,
                callee,
                method: false,
                args,
                span,
            });
        }
        visit::visit_expr_call(self, call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Extracted {
        extract(text, Vec::new(), None).expect("parses")
    }

    fn uses(text: &str) -> Vec<(String, Option<String>, bool, bool)> {
        facts(text)
            .uses
            .into_iter()
            .map(|u| (u.segments.join("::"), u.alias, u.glob, u.public))
            .collect()
    }

    #[test]
    fn use_groups_globs_renames_and_self_are_flattened() {
        let found = uses("use crate::{billing::{self, Invoice as Bill}, pricing::*};\npub use super::tax;\nuse ::sqlx::PgPool;");
        assert_eq!(
            found,
            vec![
                ("crate::billing".into(), None, false, false),
                (
                    "crate::billing::Invoice".into(),
                    Some("Bill".into()),
                    false,
                    false
                ),
                ("crate::pricing".into(), None, true, false),
                ("super::tax".into(), None, false, true),
                ("::sqlx::PgPool".into(), None, false, false),
            ]
        );
    }

    #[test]
    fn use_span_covers_the_leaf_path_within_its_group() {
        let text = "use crate::{billing::Invoice, pricing};";
        let f = facts(text);
        let spans: Vec<&str> = f.uses.iter().map(|u| u.span.text(text)).collect();
        assert_eq!(spans, ["billing::Invoice", "pricing"]);
    }

    #[test]
    fn inline_modules_get_their_own_module_and_cfg() {
        let f = facts("mod a { #[cfg(test)] mod tests { use super::*; } }\nmod b;");
        let paths: Vec<String> = f.modules.iter().map(|m| m.path.join("::")).collect();
        assert_eq!(paths, ["", "a", "a::tests"]);
        assert_eq!(f.modules[2].cfg.as_deref(), Some("cfg(test)"));
        assert_eq!(f.uses[0].module, 2);
        assert_eq!(f.mods.len(), 3);
        assert_eq!(f.mods[2].name, "b");
        assert_eq!(f.mods[2].inline, None);
    }

    #[test]
    fn qualified_paths_in_expressions_types_and_derives() {
        let f = facts("#[derive(Debug, sqlx::FromRow)]\nstruct Row;\nfn f(x: crate::money::Money) { crate::billing::charge(x); let _ = self::Row; }");
        let paths: Vec<String> = f.paths.iter().map(|p| p.segments.join("::")).collect();
        assert!(paths.contains(&"sqlx::FromRow".to_string()), "{paths:?}");
        assert!(paths.contains(&"crate::money::Money".to_string()));
        assert!(paths.contains(&"crate::billing::charge".to_string()));
        assert!(paths.contains(&"self::Row".to_string()));
    }

    #[test]
    fn strings_inside_macros_know_the_macro() {
        let f = facts(
            "fn f() { tracing::warn!(\"select a seat from the list\"); let q = \"SELECT 1\"; }",
        );
        assert_eq!(f.strings.len(), 2);
        assert_eq!(f.strings[0].in_macro.as_deref(), Some("warn"));
        assert_eq!(f.strings[1].in_macro, None);
    }

    #[test]
    fn calls_record_literal_arguments() {
        let f = facts("fn f() { consumer.subscribe(&[\"orders.created\"]); producer.send(FutureRecord::to(\"payments.settled\"), t); }");
        let subscribe = f.calls.iter().find(|c| c.callee == ["subscribe"]).unwrap();
        assert_eq!(
            subscribe.args[0].literal().map(|a| a.0),
            Some("orders.created")
        );
        let to = f
            .calls
            .iter()
            .find(|c| c.callee == ["FutureRecord", "to"])
            .unwrap();
        assert!(!to.method);
        assert_eq!(to.args[0].literal().map(|a| a.0), Some("payments.settled"));
    }

    #[test]
    fn byte_order_mark_keeps_spans_aligned() {
        let text = "\u{feff}use crate::a;";
        let f = facts(text);
        let span = &f.uses[0].span;
        assert_eq!(span.text(text), "crate::a");
    }

    #[test]
    fn syntax_error_has_a_span() {
        let error = extract("fn broken( {", Vec::new(), None).unwrap_err();
        assert!(!error.message.is_empty());
    }

    #[test]
    fn non_expression_macro_bodies_still_give_their_strings() {
        let f = facts("diesel::table! { orders (id) { id -> Int4, } }\nfn g() { let _ = json!({\"k\": \"v\"}); }");
        assert!(f.macros.iter().any(|m| m.path == ["diesel", "table"]));
        assert!(f
            .strings
            .iter()
            .any(|s| s.value == "v" && s.in_macro.as_deref() == Some("json")));
    }
}

#[cfg(test)]
mod sql_fact_tests {
    use super::*;

    fn facts(text: &str) -> Extracted {
        extract(text, Vec::new(), None).expect("parses")
    }

    #[test]
    fn let_and_const_bindings_of_literals() {
        let f = facts("const FIND: &str = \"SELECT 1\";\nfn f() { let sql = r#\"DELETE FROM x\"#; client.query(FIND, &[]); sqlx::query(sql); }");
        let names: Vec<(&str, bool)> = f
            .bindings
            .iter()
            .map(|b| (b.name.as_str(), b.constant))
            .collect();
        assert_eq!(names, [("FIND", true), ("sql", false)]);
        let query = f.calls.iter().find(|c| c.callee == ["query"]).unwrap();
        assert_eq!(query.args[0], Arg::Name("FIND".into()));
    }

    #[test]
    fn attribute_name_values_but_not_error_messages() {
        let f = facts("#[sea_orm(table_name = \"orders\", schema_name = \"sales\")]\nstruct Model;\n#[derive(thiserror::Error)]\nenum E { #[error(\"update orders failed\")] X }");
        let pairs: Vec<(&str, &str)> = f
            .attributes
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(pairs, [("table_name", "orders"), ("schema_name", "sales")]);
        assert!(f.strings.iter().all(|s| !s.value.contains("update orders")));
    }

    #[test]
    fn diesel_table_macro_names_its_tables() {
        let f = facts("diesel::table! {\n    sales.orders (id) {\n        id -> Int4,\n    }\n}\ntable! { order_items (id) { id -> Int4, } }");
        let tables: Vec<(Option<&str>, &str)> = f
            .tables
            .iter()
            .map(|t| (t.schema.as_deref(), t.name.as_str()))
            .collect();
        assert_eq!(tables, [(Some("sales"), "orders"), (None, "order_items")]);
    }
}
