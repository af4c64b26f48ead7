//! The one syn visitor: walks a parsed file once and records every fact.

use std::sync::atomic::{AtomicUsize, Ordering};

use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Meta, Token, UseTree, Visibility};

use super::{
    AddressNameFact, AliasFact, Arg, AttributeFact, BindingFact, Body, CallFact, ChainFact,
    ChainRoot, FieldDefaultFact, FnFact, Hidden, ImplFact, Link, MacroFact, ModDecl, ModuleFact,
    Name, PathFact, Span, StepArg, StringFact, TableMacroFact, Template, TemplateBindingFact,
    UseFact,
};

/// Facts of one file, before the file-level bookkeeping is added.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
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
    pub field_defaults: Vec<FieldDefaultFact>,
    pub address_names: Vec<AddressNameFact>,
    pub template_bindings: Vec<TemplateBindingFact>,
    pub test_items: Vec<Span>,
    pub unused_parameter_types: Vec<Span>,
    pub tables: Vec<TableMacroFact>,
    pub functions: Vec<FnFact>,
    pub impls: Vec<ImplFact>,
    pub chains: Vec<ChainFact>,
    pub aliases: Vec<AliasFact>,
    /// The text holds a suppression comment's marker (set by the caller).
    pub marks_suppression: bool,
    /// Line starts (set by the caller).
    pub positions: super::Positions,
}

/// Splits a format string into fixed parts and placeholders; `None` when it
/// has no placeholder (a plain literal) or does not parse.
fn parse_template(format: &str, positional: &[Option<String>]) -> Option<Template> {
    let mut fixed = vec![String::new()];
    let mut holes = Vec::new();
    let mut next_positional = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                fixed.last_mut()?.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                fixed.last_mut()?.push('}');
            }
            '{' => {
                let mut inside = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        other => inside.push(other),
                    }
                }
                let argument = inside.split(':').next().unwrap_or_default().trim();
                let name = if argument.is_empty() {
                    next_positional += 1;
                    positional.get(next_positional - 1).cloned().flatten()
                } else if let Ok(index) = argument.parse::<usize>() {
                    positional.get(index).cloned().flatten()
                } else {
                    Some(argument.to_string())
                };
                holes.push(name);
                fixed.push(String::new());
            }
            other => fixed.last_mut()?.push(other),
        }
    }
    (!holes.is_empty()).then_some(Template { fixed, holes })
}

/// Names of the items `items` define (not import), in source order; modules
/// are left out: the module tree knows them.
fn item_names(items: &[syn::Item]) -> Vec<Name> {
    use syn::{ForeignItem, Item};
    let mut names = Vec::new();
    for item in items {
        let ident = match item {
            Item::Const(i) => Some(&i.ident),
            Item::Enum(i) => Some(&i.ident),
            Item::Fn(i) => Some(&i.sig.ident),
            Item::Macro(i) => i.ident.as_ref(),
            Item::Static(i) => Some(&i.ident),
            Item::Struct(i) => Some(&i.ident),
            Item::Trait(i) => Some(&i.ident),
            Item::TraitAlias(i) => Some(&i.ident),
            Item::Type(i) => Some(&i.ident),
            Item::Union(i) => Some(&i.ident),
            Item::ForeignMod(block) => {
                names.extend(block.items.iter().filter_map(|f| match f {
                    ForeignItem::Fn(f) => Some(ident_name(&f.sig.ident)),
                    ForeignItem::Static(s) => Some(ident_name(&s.ident)),
                    ForeignItem::Type(t) => Some(ident_name(&t.ident)),
                    _ => None,
                }));
                None
            }
            _ => None,
        };
        if let Some(ident) = ident.filter(|i| *i != "_") {
            names.push(ident_name(ident));
        }
    }
    names
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
    module: Vec<Name>,
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
            scope: FnScope::default(),
            impl_context: None,
            defining: None,
            blocks: 0,
            ascii_lines: body.is_ascii().then(|| {
                std::iter::once(0)
                    .chain(memchr::memchr_iter(b'\n', body.as_bytes()).map(|at| at as u32 + 1))
                    .collect()
            }),
        };
        visitor.out.modules.push(ModuleFact {
            path: module,
            cfg,
            items: item_names(&file.items),
        });
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
    macros: Vec<Name>,
    offset: u32,
    scope: FnScope,
    /// (self type, trait) of the impl block being walked.
    impl_context: Option<(Name, Option<Name>)>,
    /// Name of the `macro_rules!` item whose macro is about to be walked.
    defining: Option<Name>,
    /// How many blocks (function bodies, closures) enclose the walk: a `use`
    /// inside one binds nothing at module level.
    blocks: usize,
    /// Line starts of a text that is all ASCII, where a character position
    /// is a byte offset: a span is then converted through its line and
    /// column (binary searches) instead of proc-macro2's character-to-byte
    /// map, whose lookup and insert per position was a tenth of extraction.
    ascii_lines: Option<Vec<u32>>,
}

/// What the visitor tracks inside one function body.
#[derive(Default)]
struct FnScope {
    /// Enclosing function name.
    name: Option<Name>,
    /// Index into `out.functions` of the function being walked.
    function: Option<usize>,
    /// Method calls that are the receiver of a chain already recorded.
    chained: std::collections::HashSet<usize>,
    /// Expression (by address) whose value a `let` binds, and the name.
    binding: Option<(usize, Name)>,
    /// Variables bound to a recorded chain: chains rooted at them are kept.
    chain_vars: std::collections::HashSet<Name>,
}

impl Visitor {
    fn span(&self, span: proc_macro2::Span) -> Span {
        if let Some(lines) = &self.ascii_lines {
            let offset = |at: proc_macro2::LineColumn| {
                let line_start = lines.get(at.line.wrapping_sub(1)).copied().unwrap_or(0);
                line_start + at.column as u32 + self.offset
            };
            return Span {
                start: offset(span.start()),
                end: offset(span.end()),
            };
        }
        let range = span.byte_range();
        Span {
            start: range.start as u32 + self.offset,
            end: range.end as u32 + self.offset,
        }
    }

    fn join(&self, start: proc_macro2::Span, end: proc_macro2::Span) -> Span {
        // One offset lookup instead of two: they dominate extraction time.
        if let Some(joined) = start.join(end) {
            return self.span(joined);
        }
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
        prefix: &mut Vec<Name>,
        start: Option<proc_macro2::Span>,
        public: bool,
    ) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(ident_name(&path.ident));
                let start = start.or(Some(path.ident.span()));
                self.flatten_use(&path.tree, prefix, start, public);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let mut segments = prefix.clone();
                if name.ident != "self" || segments.is_empty() {
                    segments.push(ident_name(&name.ident));
                }
                let span = self.join(start.unwrap_or(name.ident.span()), name.ident.span());
                self.push_use(segments, None, false, public, span);
            }
            UseTree::Rename(rename) => {
                let mut segments = prefix.clone();
                if rename.ident != "self" || segments.is_empty() {
                    segments.push(ident_name(&rename.ident));
                }
                let span = self.join(start.unwrap_or(rename.ident.span()), rename.rename.span());
                self.push_use(
                    segments,
                    Some(ident_name(&rename.rename)),
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
        segments: Vec<Name>,
        alias: Option<Name>,
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
            local: self.blocks > 0,
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
            // `format!("events.dpplns")`, `String::from("…")`: still one
            // fixed text.
            Expr::Macro(m) if m.mac.path.is_ident("format") => {
                let lit: syn::LitStr = m.mac.parse_body().ok()?;
                let value = lit.value();
                (!value.contains('{')).then(|| (value, self.span(lit.span())))
            }
            Expr::Call(call)
                if call.args.len() == 1
                    && matches!(&*call.func, Expr::Path(p) if p.path.segments.len() == 2
                        && p.path.segments[0].ident == "String"
                        && p.path.segments[1].ident == "from") =>
            {
                self.literal(&call.args[0])
            }
            _ => None,
        }
    }

    fn arg(&self, expr: &Expr) -> Arg {
        if let Some((value, span)) = self.literal(expr) {
            return Arg::Str(value, span);
        }
        if let Some((template, span)) = self.template(expr) {
            return Arg::Template(Box::new(template), span);
        }
        match expr {
            Expr::Path(path) => path
                .path
                .segments
                .last()
                .map_or(Arg::Other, |s| Arg::Name(ident_name(&s.ident))),
            Expr::Reference(r) => self.arg(&r.expr),
            Expr::Paren(p) => self.arg(&p.expr),
            Expr::Field(field) => match &field.member {
                syn::Member::Named(name) => Arg::Field(ident_name(name)),
                syn::Member::Unnamed(_) => Arg::Other,
            },
            Expr::MethodCall(call) if call.args.is_empty() => self.arg(&call.receiver),
            _ => Arg::Other,
        }
    }

    /// Records the span of an item compiled only for tests.
    fn note_test_item(&mut self, attrs: &[syn::Attribute], item: &dyn syn::spanned::Spanned) {
        if cfg_of(attrs).is_some_and(|cfg| super::is_test_cfg(&cfg)) {
            let span = self.span(item.span());
            self.out.test_items.push(span);
        }
    }

    /// Records `ident` when its name says it holds an address.
    fn address_name(&mut self, ident: &syn::Ident, declares_field: bool) {
        let mut name = ident.to_string();
        name.make_ascii_lowercase();
        if super::address_stem(&name).is_some() {
            let span = self.span(ident.span());
            self.out.address_names.push(AddressNameFact {
                module: self.module,
                name: Name::new(&name),
                span,
                declares_field,
            });
        }
    }

    fn binding(&mut self, name: Name, expr: &Expr, constant: bool) {
        if let Some((value, span)) = self.literal(expr) {
            self.out.bindings.push(BindingFact {
                module: self.module,
                name,
                value,
                span,
                constant,
            });
        } else if let Some((template, span)) = self.template(expr) {
            self.out.template_bindings.push(TemplateBindingFact {
                module: self.module,
                name,
                template,
                span,
            });
        }
    }

    /// `format!("{}-commands", service_name)` (through `&` and parentheses):
    /// its fixed parts and what each placeholder prints.
    fn template(&self, expr: &Expr) -> Option<(Template, Span)> {
        match expr {
            Expr::Reference(r) => self.template(&r.expr),
            Expr::Paren(p) => self.template(&p.expr),
            Expr::Macro(m) if m.mac.path.is_ident("format") => {
                let args = m
                    .mac
                    .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .ok()?;
                let mut args = args.iter();
                let Some(Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(format),
                    ..
                })) = args.next()
                else {
                    return None;
                };
                let positional: Vec<Option<String>> = args
                    .map(|arg| match arg {
                        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                        Expr::Reference(r) => match &*r.expr {
                            Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                let template = parse_template(&format.value(), &positional)?;
                Some((template, self.span(format.span())))
            }
            _ => None,
        }
    }

    /// Records a function with a body and walks it in its own scope.
    fn function(
        &mut self,
        name: &syn::Ident,
        visibility: &syn::Visibility,
        output: &syn::ReturnType,
        block: &syn::Block,
        walk: impl FnOnce(&mut Self),
    ) {
        let span = self.span(name.span());
        let (owner, trait_name) = self
            .impl_context
            .map_or((None, None), |(o, t)| (Some(o), t));
        self.out.functions.push(FnFact {
            module: self.module,
            name: ident_name(name),
            owner,
            trait_name,
            body: classify_block(block),
            constant: constant_bool(block),
            returns: match output {
                syn::ReturnType::Type(_, ty) => type_names(ty),
                syn::ReturnType::Default => Vec::new(),
            },
            awaits: false,
            calls: Vec::new(),
            public: trait_name.is_some() || matches!(visibility, syn::Visibility::Public(_)),
            span,
            block: self.span(block.brace_token.span.join()),
        });
        let scope = FnScope {
            name: Some(ident_name(name)),
            function: Some(self.out.functions.len() - 1),
            ..FnScope::default()
        };
        let outer = std::mem::replace(&mut self.scope, scope);
        walk(self);
        self.scope = outer;
    }

    fn note_call(&mut self, name: Name) {
        if let Some(index) = self.scope.function {
            let calls = &mut self.out.functions[index].calls;
            if calls.len() < 64 && !calls.contains(&name) {
                calls.push(name);
            }
        }
    }

    fn step_arg(&self, expr: &Expr) -> StepArg {
        match expr {
            Expr::Path(path) => StepArg::Path(
                path.path
                    .segments
                    .iter()
                    .map(|s| ident_name(&s.ident))
                    .collect(),
                self.span_of_path(&path.path),
            ),
            Expr::Reference(r) => self.step_arg(&r.expr),
            Expr::Paren(p) => self.step_arg(&p.expr),
            Expr::Closure(closure) => StepArg::Closure {
                body: classify_expr(&closure.body),
                awaits: awaits(&closure.body),
                span: self.span(closure.or1_token.span),
            },
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => StepArg::Literal(s.value()),
            Expr::Struct(literal) => StepArg::Value(segments(&literal.path), self.expr_span(expr)),
            Expr::Call(call) => match &*call.func {
                // A step in a box (`Box::new(ReserveStock { .. })`) is that step.
                Expr::Path(path) if is_wrapper(&path.path) && call.args.len() == 1 => {
                    match self.step_arg(&call.args[0]) {
                        StepArg::Value(ty, _) => StepArg::Value(ty, self.expr_span(expr)),
                        StepArg::Other(_) => StepArg::Other(self.expr_span(expr)),
                        inner => inner,
                    }
                }
                // `ReserveStock::new(..)`: a function of an upper-case type.
                Expr::Path(path) if path.path.segments.len() >= 2 => {
                    let mut ty = segments(&path.path);
                    ty.pop();
                    if ty.last().is_some_and(|t| t.starts_with(char::is_uppercase)) {
                        StepArg::Value(ty, self.expr_span(expr))
                    } else {
                        StepArg::Other(self.expr_span(expr))
                    }
                }
                _ => StepArg::Other(self.expr_span(expr)),
            },
            other => StepArg::Other(self.expr_span(other)),
        }
    }

    fn span_of_path(&self, path: &syn::Path) -> Span {
        match (path.segments.first(), path.segments.last()) {
            (Some(first), Some(last)) => self.join(first.ident.span(), last.ident.span()),
            _ => Span::default(),
        }
    }

    fn expr_span(&self, expr: &Expr) -> Span {
        use syn::spanned::Spanned;
        self.span(expr.span())
    }

    /// Records the chain ending in `call` unless it is part of a longer one.
    fn chain(&mut self, call: &syn::ExprMethodCall) {
        let address = call as *const syn::ExprMethodCall as usize;
        if self.scope.chained.remove(&address) {
            return;
        }
        let bound_to = match &self.scope.binding {
            Some((expr, name)) if *expr == address => Some(*name),
            _ => None,
        };
        // Find the root first: most chains (`x.iter().map(..)`) are not kept,
        // and their links need not be built.
        let mut calls = vec![call];
        while let Expr::MethodCall(inner) = &*calls[calls.len() - 1].receiver {
            self.scope
                .chained
                .insert(inner as *const syn::ExprMethodCall as usize);
            calls.push(inner);
        }
        let root_expr = &*calls[calls.len() - 1].receiver;
        let keep = match root_expr {
            Expr::Call(c) => matches!(&*c.func, Expr::Path(p) if may_build(&p.path)),
            Expr::Path(p) => {
                p.path.segments.len() == 1
                    && self
                        .scope
                        .chain_vars
                        .contains(&ident_name(&p.path.segments[0].ident))
            }
            Expr::Paren(_) => true,
            _ => false,
        };
        if !keep {
            return;
        }
        let root = self.chain_root(root_expr);
        if root == ChainRoot::Other {
            return;
        }
        let links = calls
            .iter()
            .rev()
            .map(|current| Link {
                method: ident_name(&current.method),
                args: current.args.iter().map(|a| self.step_arg(a)).collect(),
                span: self.span(current.method.span()),
            })
            .collect();
        if let Some(name) = &bound_to {
            self.scope.chain_vars.insert(*name);
        }
        self.out.chains.push(ChainFact {
            module: self.module,
            function: self.scope.name,
            root,
            links,
            bound_to,
        });
    }

    fn chain_root(&self, expr: &Expr) -> ChainRoot {
        match expr {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => ChainRoot::Call(
                    path.path
                        .segments
                        .iter()
                        .map(|s| ident_name(&s.ident))
                        .collect(),
                    self.span_of_path(&path.path),
                ),
                _ => ChainRoot::Other,
            },
            Expr::Path(path) if path.path.segments.len() == 1 => {
                ChainRoot::Var(ident_name(&path.path.segments[0].ident))
            }
            Expr::Paren(p) => self.chain_root(&p.expr),
            _ => ChainRoot::Other,
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

const STUB_MACROS: &[&str] = &["todo", "unimplemented", "panic", "unreachable"];

/// `include!`, `std::include!` or `core::include!`: Rust code from another file.
fn is_include(path: &[Name]) -> bool {
    match path {
        [name] => name == "include",
        [krate, name] => name == "include" && (krate == "std" || krate == "core"),
        _ => false,
    }
}

/// Names of the `mod name;` declarations in a token stream, at any depth
/// (`$name` in a `macro_rules!` body gives `$name`).
fn declared_modules(tokens: TokenStream, out: &mut Vec<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => declared_modules(group.stream(), out),
            TokenTree::Ident(ident) if ident == "mod" => {
                let (name, semicolon) = match (tokens.get(i + 1), tokens.get(i + 2)) {
                    (Some(TokenTree::Ident(name)), next) => (name.to_string(), next),
                    (Some(TokenTree::Punct(dollar)), Some(TokenTree::Ident(name)))
                        if dollar.as_char() == '$' =>
                    {
                        (format!("${name}"), tokens.get(i + 3))
                    }
                    _ => continue,
                };
                if matches!(semicolon, Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                    out.push(name.trim_start_matches("r#").to_string());
                }
            }
            _ => {}
        }
    }
}

/// Every type path a type mentions, generic arguments included, as
/// written (`Result<tonic::Response<ControllerGrpcClient<Channel>>>` gives
/// `Result`, `tonic::Response`, `ControllerGrpcClient`, `Channel`), capped:
/// what a helper hands out. The path's first segment says whose type it is
/// (`reqwest::Client` is no workspace `Client`).
fn type_names(ty: &syn::Type) -> Vec<Name> {
    struct Names(Vec<Name>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if self.0.len() < 16 {
                let mut written = String::new();
                for (i, segment) in path.segments.iter().enumerate() {
                    if i > 0 {
                        written.push_str("::");
                    }
                    written.push_str(&segment.ident.to_string());
                }
                self.0.push(Name::new(&written));
            }
            visit::visit_path(self, path);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_type(ty);
    names.0
}

/// The type paths `fields` hold, each once, capped.
fn held_types<'a>(fields: impl IntoIterator<Item = &'a syn::Field>) -> Vec<Name> {
    let mut targets = Vec::new();
    for field in fields {
        for name in type_names(&field.ty) {
            if targets.len() < 32 && !targets.contains(&name) {
                targets.push(name);
            }
        }
    }
    targets
}

/// The value of a body that is only `true` or `false` (`fn
/// rollback_supported(&self) -> bool { false }`).
fn constant_bool(block: &syn::Block) -> Option<bool> {
    fn of(expr: &Expr) -> Option<bool> {
        match expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(value),
                ..
            }) => Some(value.value),
            Expr::Return(r) => of(r.expr.as_deref()?),
            Expr::Block(b) => constant_bool(&b.block),
            Expr::Paren(p) => of(&p.expr),
            _ => None,
        }
    }
    match block.stmts.as_slice() {
        [syn::Stmt::Expr(expr, _)] => of(expr),
        _ => None,
    }
}

/// What a block does: nothing (a stub), only call another function, or more.
fn classify_block(block: &syn::Block) -> Body {
    match block.stmts.as_slice() {
        [] => Body::Stub("an empty body".into()),
        [syn::Stmt::Expr(expr, _)] => classify_expr(expr),
        [syn::Stmt::Macro(mac)] => classify_macro(&mac.mac).unwrap_or(Body::Real),
        _ => Body::Real,
    }
}

fn classify_macro(mac: &syn::Macro) -> Option<Body> {
    let name = mac.path.segments.last()?.ident.to_string();
    STUB_MACROS
        .contains(&name.as_str())
        .then(|| Body::Stub(format!("`{name}!()`")))
}

fn is_unit(expr: &Expr) -> bool {
    matches!(expr, Expr::Tuple(t) if t.elems.is_empty())
}

/// What an expression used as a whole body does.
fn classify_expr(expr: &Expr) -> Body {
    match expr {
        Expr::Macro(m) => classify_macro(&m.mac).unwrap_or(Body::Real),
        Expr::Tuple(_) if is_unit(expr) => Body::Stub("a body that only returns `()`".into()),
        Expr::Block(b) => classify_block(&b.block),
        Expr::Async(a) => classify_block(&a.block),
        Expr::Return(r) => r
            .expr
            .as_deref()
            .map_or(Body::Stub("an empty body".into()), classify_expr),
        Expr::Await(a) => classify_expr(&a.base),
        Expr::Try(t) => classify_expr(&t.expr),
        Expr::Paren(p) => classify_expr(&p.expr),
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) if path.path.is_ident("Ok") => match call.args.first() {
                Some(arg) if call.args.len() == 1 && is_unit(arg) => {
                    Body::Stub("a body that only returns `Ok(())`".into())
                }
                Some(arg) if call.args.len() == 1 => match classify_expr(arg) {
                    Body::Delegates(path) => Body::Delegates(path),
                    _ => Body::Real,
                },
                _ => Body::Real,
            },
            Expr::Path(path) => Body::Delegates(segments(&path.path)),
            _ => Body::Real,
        },
        _ => Body::Real,
    }
}

/// Whether an expression awaits anything.
fn awaits(expr: &Expr) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_expr(expr);
    finder.0
}

/// The identifiers of a path, generics dropped.
fn segments(path: &syn::Path) -> Vec<Name> {
    path.segments.iter().map(|s| ident_name(&s.ident)).collect()
}

/// `.send` for method `send`: how a function's calls tell methods apart.
fn dotted(method: Name) -> Name {
    interned(|buffer| {
        buffer.push('.');
        buffer.push_str(method.as_str());
    })
}

/// The name `write` puts in a reused buffer: no allocation per name.
fn interned(write: impl FnOnce(&mut String)) -> Name {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        write(&mut buffer);
        Name::new(&buffer)
    })
}

/// An identifier's name, formatted into a reused buffer: most names are
/// already interned, so most cost no allocation.
fn ident_name(ident: &syn::Ident) -> Name {
    use std::fmt::Write;
    interned(|buffer| {
        let _ = write!(buffer, "{ident}");
    })
}

/// `Box::new`, `Arc::new`, `Rc::new`: a call that only wraps its argument.
fn is_wrapper(path: &syn::Path) -> bool {
    let names = segments(path);
    matches!(
        names
            .iter()
            .rev()
            .take(2)
            .map(Name::as_str)
            .collect::<Vec<_>>()[..],
        ["new", "Box" | "Arc" | "Rc"] | ["pin", "Box"]
    )
}

/// Whether a call may return a builder whose chain is worth keeping:
/// `Type::constructor(…)`, or a plain function (`order_saga()`, a helper
/// that returns one), but not a tuple struct or variant (`Some(…)`, `Ok(…)`).
fn may_build(path: &syn::Path) -> bool {
    match path.segments.len() {
        0 => false,
        1 => path.segments[0]
            .ident
            .to_string()
            .starts_with(|c: char| c.is_lowercase() || c == '_'),
        _ => true,
    }
}

/// `#[cfg(…)]` of an item, as text.
pub(super) fn cfg_of(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::List(list) if list.path.is_ident("cfg") => Some(format!("cfg({})", list.tokens)),
        _ => None,
    })
}

/// Span of the `#` of the `#[path = "…"]` attribute, if any.
fn path_attr_token(attrs: &[syn::Attribute]) -> Option<proc_macro2::Span> {
    attrs
        .iter()
        .find(|attr| matches!(&attr.meta, Meta::NameValue(nv) if nv.path.is_ident("path")))
        .map(|attr| attr.pound_token.span)
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
    fn visit_item(&mut self, item: &'ast syn::Item) {
        use syn::Item;
        // Modules keep their cfg as a module fact; other items record theirs here.
        let attrs: &[syn::Attribute] = match item {
            Item::Const(i) => &i.attrs,
            Item::Enum(i) => &i.attrs,
            Item::Fn(i) => &i.attrs,
            Item::Impl(i) => &i.attrs,
            Item::Macro(i) => &i.attrs,
            Item::Static(i) => &i.attrs,
            Item::Struct(i) => &i.attrs,
            Item::Trait(i) => &i.attrs,
            Item::Type(i) => &i.attrs,
            Item::Union(i) => &i.attrs,
            Item::Use(i) => &i.attrs,
            _ => &[],
        };
        self.note_test_item(attrs, item);
        visit::visit_item(self, item);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        use syn::ImplItem;
        let attrs: &[syn::Attribute] = match item {
            ImplItem::Const(i) => &i.attrs,
            ImplItem::Fn(i) => &i.attrs,
            ImplItem::Type(i) => &i.attrs,
            ImplItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.note_test_item(attrs, item);
        visit::visit_impl_item(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let name = ident_name(&item.ident);
        let cfg = cfg_of(&item.attrs).or_else(|| self.out.modules[self.module].cfg.clone());
        // A finding about where the module's file comes from points at its
        // `#[path = "…"]`, so the span starts there when there is one.
        let start = path_attr_token(&item.attrs).unwrap_or(item.mod_token.span);
        let span = self.join(start, item.ident.span());
        let inline = item.content.as_ref().map(|(_, items)| {
            let mut path = self.out.modules[self.module].path.clone();
            path.push(name);
            self.out.modules.push(ModuleFact {
                path,
                cfg: cfg.clone(),
                items: item_names(items),
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
            // A module's items are at its top level, even when the module
            // itself sits in a function body.
            let blocks = std::mem::take(&mut self.blocks);
            for item in items {
                self.visit_item(item);
            }
            self.blocks = blocks;
            self.module = outer;
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.blocks += 1;
        visit::visit_block(self, block);
        self.blocks -= 1;
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let public = !matches!(item.vis, Visibility::Inherited);
        let mut prefix = Vec::new();
        if item.leading_colon.is_some() {
            prefix.push(Name::default());
        }
        self.flatten_use(&item.tree, &mut prefix, None, public);
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        // Most paths are one plain name: allocate only for the others.
        let count = path.segments.len() + usize::from(path.leading_colon.is_some());
        if count >= 2 {
            let mut segments: Vec<Name> = Vec::with_capacity(count);
            if path.leading_colon.is_some() {
                segments.push(Name::default());
            }
            segments.extend(path.segments.iter().map(|s| ident_name(&s.ident)));
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
            } else if let Ok(metas) =
                list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            {
                // `#[sea_orm(table_name = "orders")]`, and the name-values
                // among flags: `#[arg(long, default_value = "http://…")]`.
                // `#[error("…")]` is no such list and is never recorded.
                let attribute = list
                    .path
                    .segments
                    .last()
                    .map(|s| ident_name(&s.ident))
                    .unwrap_or_default();
                let pairs = metas.iter().filter_map(|meta| match meta {
                    Meta::NameValue(pair) => Some(pair),
                    _ => None,
                });
                for pair in pairs {
                    if let (Some(key), Some((value, span))) =
                        (pair.path.get_ident(), self.literal(&pair.value))
                    {
                        self.out.attributes.push(AttributeFact {
                            module: self.module,
                            attribute,
                            key: ident_name(key),
                            value,
                            span,
                        });
                    }
                }
            }
        }
        visit::visit_attribute(self, attr);
    }

    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        // `let subject; if prod { subject = format!("events.x"); }`: the
        // value the name may hold, like a `let` with it.
        if let Expr::Path(path) = &*assign.left {
            if let Some(name) = path.path.get_ident() {
                self.binding(ident_name(name), &assign.right, false);
            }
        }
        visit::visit_expr_assign(self, assign);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let pattern = match &local.pat {
            syn::Pat::Type(typed) => &*typed.pat,
            other => other,
        };
        if let (syn::Pat::Ident(pat), Some(init)) = (pattern, &local.init) {
            let name = ident_name(&pat.ident);
            self.binding(name, &init.expr, false);
            match &*init.expr {
                Expr::MethodCall(call) => {
                    self.scope.binding = Some((call as *const syn::ExprMethodCall as usize, name));
                }
                // `let saga = Saga::builder("x");` starts a chain with no links yet.
                Expr::Call(_) => {
                    let builds = matches!(&*init.expr, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if may_build(&p.path)));
                    if let ChainRoot::Call(path, span) = self.chain_root(&init.expr) {
                        if builds {
                            self.scope.chain_vars.insert(name);
                            self.out.chains.push(ChainFact {
                                module: self.module,
                                function: self.scope.name,
                                root: ChainRoot::Call(path, span),
                                links: Vec::new(),
                                bound_to: Some(name),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        visit::visit_local(self, local);
    }

    fn visit_expr_field(&mut self, expr: &'ast syn::ExprField) {
        if let syn::Member::Named(name) = &expr.member {
            self.address_name(name, false);
        }
        visit::visit_expr_field(self, expr);
    }

    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.address_name(&pat.ident, false);
        visit::visit_pat_ident(self, pat);
    }

    fn visit_field(&mut self, field: &'ast syn::Field) {
        if let Some(name) = &field.ident {
            self.address_name(name, true);
        }
        let before = self.out.attributes.len();
        visit::visit_field(self, field);
        // `#[arg(default_value = "order-replies")] reply_topic: String`: the
        // value the program uses unless it is told otherwise.
        if let Some(name) = &field.ident {
            let defaults: Vec<FieldDefaultFact> = self.out.attributes[before..]
                .iter()
                .filter(|a| a.key == "default_value")
                .map(|a| FieldDefaultFact {
                    module: a.module,
                    field: ident_name(name),
                    value: a.value.clone(),
                    span: a.span,
                })
                .collect();
            self.out.field_defaults.extend(defaults);
        }
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        // A struct is known by what it holds: one that wraps a generated
        // client (`struct GrpcRegistryService { client: GrpcClient<RegistryServiceClient<Channel>> }`)
        // hands that client out.
        self.out.aliases.push(AliasFact {
            module: self.module,
            name: ident_name(&item.ident),
            targets: held_types(&item.fields),
        });
        visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        // An enum, like a struct, is known by what its variants hold.
        self.out.aliases.push(AliasFact {
            module: self.module,
            name: ident_name(&item.ident),
            targets: held_types(item.variants.iter().flat_map(|v| &v.fields)),
        });
        visit::visit_item_enum(self, item);
    }

    fn visit_fn_arg(&mut self, arg: &'ast syn::FnArg) {
        if let syn::FnArg::Typed(typed) = arg {
            if let syn::Pat::Ident(pat) = &*typed.pat {
                if ident_name(&pat.ident).as_str().starts_with('_') {
                    let span = self.span(syn::spanned::Spanned::span(&*typed.ty));
                    self.out.unused_parameter_types.push(span);
                }
            }
        }
        visit::visit_fn_arg(self, arg);
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        // `trait NodeManager: DatanodeManager + FlownodeManager {}`: a
        // `dyn NodeManager` is also each of its supertraits.
        let mut targets = Vec::new();
        for bound in &item.supertraits {
            if let syn::TypeParamBound::Trait(bound) = bound {
                if let Some(last) = bound.path.segments.last() {
                    if targets.len() < 16 {
                        targets.push(ident_name(&last.ident));
                    }
                }
            }
        }
        self.out.aliases.push(AliasFact {
            module: self.module,
            name: ident_name(&item.ident),
            targets,
        });
        visit::visit_item_trait(self, item);
    }

    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.out.aliases.push(AliasFact {
            module: self.module,
            name: ident_name(&item.ident),
            targets: type_names(&item.ty),
        });
        visit::visit_item_type(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let outer_impl = self.impl_context.take();
        self.function(
            &item.sig.ident,
            &item.vis,
            &item.sig.output,
            &item.block,
            |v| visit::visit_item_fn(v, item),
        );
        self.impl_context = outer_impl;
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.function(
            &item.sig.ident,
            &item.vis,
            &item.sig.output,
            &item.block,
            |v| visit::visit_impl_item_fn(v, item),
        );
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let last = |path: &syn::Path| path.segments.last().map(|s| ident_name(&s.ident));
        let trait_name = item.trait_.as_ref().and_then(|(_, path, _)| last(path));
        let self_path = match &*item.self_ty {
            syn::Type::Path(path) => Some(&path.path),
            _ => None,
        };
        let self_type = self_path.and_then(last).unwrap_or_default();
        let methods = item
            .items
            .iter()
            .filter_map(|i| match i {
                syn::ImplItem::Fn(f) => Some(ident_name(&f.sig.ident)),
                _ => None,
            })
            .collect();
        let end = self_path
            .and_then(|p| p.segments.last())
            .map_or(item.impl_token.span, |s| s.ident.span());
        let span = self.join(item.impl_token.span, end);
        self.out.impls.push(ImplFact {
            module: self.module,
            trait_name,
            self_type,
            methods,
            span,
        });
        let outer = self.impl_context.replace((self_type, trait_name));
        visit::visit_item_impl(self, item);
        self.impl_context = outer;
    }

    fn visit_expr_await(&mut self, expr: &'ast syn::ExprAwait) {
        if let Some(index) = self.scope.function {
            self.out.functions[index].awaits = true;
        }
        visit::visit_expr_await(self, expr);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.binding(ident_name(&item.ident), &item.expr, true);
        visit::visit_item_const(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.binding(ident_name(&item.ident), &item.expr, true);
        visit::visit_item_static(self, item);
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.binding(ident_name(&item.ident), &item.expr, true);
        visit::visit_impl_item_const(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let path: Vec<Name> = mac
            .path
            .segments
            .iter()
            .map(|s| ident_name(&s.ident))
            .collect();
        let name = path.last().cloned().unwrap_or_default();
        let span = match (mac.path.segments.first(), mac.path.segments.last()) {
            (Some(first), Some(_)) => self.join(first.ident.span(), mac.delimiter.span().close()),
            _ => self.span(mac.delimiter.span().join()),
        };
        let defined = self.defining.take();
        let mut hides = Vec::new();
        if is_include(&path) {
            hides.push(Hidden::Include);
        }
        self.out.macros.push(MacroFact {
            module: self.module,
            path,
            span,
            hides,
        });
        let index = self.out.macros.len() - 1;
        self.visit_path(&mac.path);
        self.macros.push(name);
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
                let in_macro = defined.unwrap_or(name);
                let mut declared = Vec::new();
                declared_modules(mac.tokens.clone(), &mut declared);
                self.out.macros[index]
                    .hides
                    .extend(declared.into_iter().map(|name| Hidden::Module {
                        name,
                        in_macro: in_macro.to_string(),
                    }));
            }
        }
        self.macros.pop();
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        // `macro_rules! name { … }`: messages name the macro being defined.
        self.defining = item.ident.as_ref().map(ident_name);
        self.visit_macro(&item.mac);
        self.defining = None;
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
        let method = ident_name(&call.method);
        self.note_call(dotted(method));
        self.chain(call);
        let args = call.args.iter().map(|a| self.arg(a)).collect();
        let span = self.join(call.method.span(), call.paren_token.span.close());
        self.out.calls.push(CallFact {
            module: self.module,
            callee: vec![method],
            method: true,
            args,
            span,
        });
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*call.func {
            // `FutureRecord::to`, not just `to`: the type says what is called.
            let segments = &path.path.segments;
            let name = match segments.len() {
                0 => Name::default(),
                1 => ident_name(&segments[0].ident),
                n => Name::new(&format!(
                    "{}::{}",
                    segments[n - 2].ident,
                    segments[n - 1].ident
                )),
            };
            self.note_call(name);
            let callee: Vec<Name> = path
                .path
                .segments
                .iter()
                .map(|s| ident_name(&s.ident))
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

    #[test]
    fn spans_of_ascii_text_are_those_proc_macro2_gives() {
        // The same code, once all ASCII (spans through lines and columns)
        // and once with a non-ASCII comment after it (proc-macro2's
        // character-to-byte map): every span must agree.
        let code = "use crate::billing::{charge, refund as undo};\n\
                    pub async fn settle(db: &Pool) -> Result<()> {\n\
                    \tlet sql = r#\"UPDATE ledger SET settled = true\"#;\n\
                    \tsqlx::query(sql).execute(db).await?;\n\
                    \tproducer.send(FutureRecord::to(\"ledger-events\").payload(&body)).await;\n\
                    \tOk(())\n}\n";
        let ascii = facts(code);
        let other = facts(&format!("{code}// Grüße an das Buchhaltungsteam\n"));
        let spans = |x: &Extracted| {
            let mut all: Vec<Span> = x.uses.iter().map(|u| u.span).collect();
            all.extend(x.paths.iter().map(|p| p.span));
            all.extend(x.strings.iter().map(|s| s.span));
            all.extend(x.calls.iter().map(|c| c.span));
            all.extend(x.functions.iter().flat_map(|f| [f.span, f.block]));
            all.extend(x.chains.iter().map(ChainFact::span));
            all
        };
        assert!(spans(&ascii).len() > 10);
        assert_eq!(spans(&ascii), spans(&other));
        let with_bom = facts(&format!("\u{feff}{code}"));
        let shifted: Vec<Span> = spans(&ascii)
            .into_iter()
            .map(|s| Span {
                start: s.start + 3,
                end: s.end + 3,
            })
            .collect();
        assert_eq!(spans(&with_bom), shifted);
    }

    #[test]
    fn format_templates_keep_their_fixed_text_and_the_names_they_print() {
        let names = |holes: &[Option<&str>]| {
            holes
                .iter()
                .map(|h| h.map(String::from))
                .collect::<Vec<_>>()
        };
        let parse = |text: &str| parse_template(text, &[Some("service".into()), None]);
        let commands = parse("{}-commands").expect("a template");
        assert_eq!(commands.fixed, ["", "-commands"]);
        assert_eq!(commands.holes, names(&[Some("service")]));
        let inline = parse("{SERVICE}.payment-{1}{{x}}").expect("a template");
        assert_eq!(inline.fixed, ["", ".payment-", "{x}"]);
        assert_eq!(inline.holes, names(&[Some("SERVICE"), None]));
        assert_eq!(parse("plain {{braces}}"), None);
        assert_eq!(parse("{unclosed"), None);
        // Holes filled by constants; too little fixed text names nothing.
        let fill = |name: &str| (name == "SERVICE").then(|| "billing".to_string());
        assert_eq!(inline.pattern(fill), None, "braces are glob syntax");
        let outcome = parse("{SERVICE}.payment-{1}").expect("a template");
        assert_eq!(outcome.pattern(fill).as_deref(), Some("billing.payment-*"));
        assert_eq!(commands.pattern(|_| None).as_deref(), Some("*-commands"));
        let bare = parse("{}{}").expect("a template");
        assert_eq!(bare.pattern(|_| None), None);
        // A format! argument that is a reference to a name still names it.
        let f = facts("fn f(step: &Step) { let topic = format!(\"{}.commands\", &participant); send(&topic); }");
        assert_eq!(f.template_bindings[0].name, "topic");
        assert_eq!(
            f.template_bindings[0].template.holes,
            names(&[Some("participant")])
        );
    }

    fn uses(text: &str) -> Vec<(String, Option<String>, bool, bool)> {
        facts(text)
            .uses
            .into_iter()
            .map(|u| {
                (
                    u.segments.join("::"),
                    u.alias.map(String::from),
                    u.glob,
                    u.public,
                )
            })
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
    fn modules_list_the_items_they_define_but_not_what_they_import() {
        let f = facts(
            "use crate::money::Money;\npub struct Invoice;\nenum Status { Open }\nconst _: () = ();\n\
             fn total() { struct Line; }\nmacro_rules! cents { () => {} }\nextern \"C\" { fn audit(); }\n\
             pub mod repo { pub trait Store {} pub type Id = u64; static POOL: u8 = 0; }",
        );
        assert_eq!(
            f.modules[0].items,
            ["Invoice", "Status", "total", "cents", "audit"]
        );
        assert_eq!(f.modules[1].items, ["Store", "Id", "POOL"]);
    }

    #[test]
    fn a_use_in_a_body_is_local_and_one_in_a_module_inside_it_is_not() {
        let f = facts(
            "use crate::billing;\nfn f() { use serde_json::*; mod inner { pub use crate::billing::Invoice; } }",
        );
        let local: Vec<(String, bool)> = f
            .uses
            .iter()
            .map(|u| (u.segments.join("::"), u.local))
            .collect();
        assert_eq!(
            local,
            [
                ("crate::billing".into(), false),
                ("serde_json".into(), true),
                ("crate::billing::Invoice".into(), false),
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
    fn a_mod_declaration_span_starts_at_its_path_attribute() {
        let text = "/// Payments' repository, compiled here too.\n#[path = \"../../payments/src/repo.rs\"]\nmod payments_repo;\nmod plain;";
        let f = facts(text);
        let spans: Vec<&str> = f.mods.iter().map(|m| m.span.text(text)).collect();
        assert_eq!(
            spans,
            [
                "#[path = \"../../payments/src/repo.rs\"]\nmod payments_repo",
                "mod plain"
            ]
        );
        assert_eq!(
            f.mods[0].path_attr.as_deref(),
            Some("../../payments/src/repo.rs")
        );
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
mod hidden_code_tests {
    use super::*;

    fn hidden(text: &str) -> Vec<(Vec<String>, Vec<Hidden>)> {
        extract(text, Vec::new(), None)
            .expect("parses")
            .macros
            .into_iter()
            .filter(|m| !m.hides.is_empty())
            .map(|m| (m.path.iter().map(|s| s.to_string()).collect(), m.hides))
            .collect()
    }

    fn module(name: &str, in_macro: &str) -> Hidden {
        Hidden::Module {
            name: name.into(),
            in_macro: in_macro.into(),
        }
    }

    #[test]
    fn include_in_items_and_expressions_is_hidden_code() {
        let found = hidden("include!(\"generated.rs\");\nfn rows() -> &'static [Row] { std::include!(concat!(env!(\"OUT_DIR\"), \"/rows.rs\")) }");
        assert_eq!(
            found,
            [
                (vec!["include".to_string()], vec![Hidden::Include]),
                (vec!["std".into(), "include".into()], vec![Hidden::Include]),
            ]
        );
    }

    #[test]
    fn include_str_and_a_local_include_method_are_not_code() {
        let found = hidden("const SCHEMA: &str = include_str!(\"schema.sql\");\nfn f(t: Tpl) { t.include(\"header\"); my::include!(x); }");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn modules_declared_in_macro_rules_bodies_are_named_with_the_macro() {
        let found = hidden("macro_rules! handlers {\n    ($($name:ident),*) => { $(pub mod $name;)* };\n    () => { mod health; };\n}\n");
        assert_eq!(
            found,
            [(
                vec!["macro_rules".to_string()],
                vec![module("$name", "handlers"), module("health", "handlers")]
            )]
        );
    }

    #[test]
    fn modules_declared_in_a_macro_invocation_are_hidden_code() {
        let found = hidden("cfg_if::cfg_if! {\n    if #[cfg(unix)] { mod unix; pub use unix::*; } else { mod windows; }\n}\nmod real;\nmod inline { fn f() {} }");
        assert_eq!(
            found,
            [(
                vec!["cfg_if".to_string(), "cfg_if".into()],
                vec![module("unix", "cfg_if"), module("windows", "cfg_if")]
            )]
        );
    }

    #[test]
    fn a_macro_in_an_attribute_does_not_take_the_name_of_the_macro_defined() {
        let found = hidden(
            "#[doc = include_str!(\"README.md\")]\nmacro_rules! routes { () => { mod admin; } }",
        );
        assert_eq!(
            found,
            [(
                vec!["macro_rules".to_string()],
                vec![module("admin", "routes")]
            )]
        );
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
    fn name_values_among_flags_in_an_attribute() {
        let f = facts("#[derive(clap::Parser)]\nstruct Args {\n    #[arg(long, env = \"ROUTING_URL\", default_value = \"http://routing:8080\")]\n    routing_url: String,\n    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..), default_value_t = 8000)]\n    port: u16,\n}\n");
        let pairs: Vec<(&str, &str, &str)> = f
            .attributes
            .iter()
            .map(|a| (a.attribute.as_str(), a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("arg", "env", "ROUTING_URL"),
                ("arg", "default_value", "http://routing:8080")
            ]
        );
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

#[cfg(test)]
mod saga_fact_tests {
    use super::*;

    fn facts(text: &str) -> Extracted {
        extract(text, Vec::new(), None).expect("parses")
    }

    #[test]
    fn builder_chain_is_recorded_once_with_its_links() {
        let f = facts("fn saga() -> Saga { Saga::builder(\"create-order\").step(reserve).compensate(release).step(confirm).pivot().build() }");
        assert_eq!(f.chains.len(), 1);
        let chain = &f.chains[0];
        assert!(matches!(&chain.root, ChainRoot::Call(p, _) if p == &["Saga", "builder"]));
        let methods: Vec<&str> = chain.links.iter().map(|l| l.method.as_str()).collect();
        assert_eq!(methods, ["step", "compensate", "step", "pivot", "build"]);
        assert!(matches!(&chain.links[0].args[0], StepArg::Path(p, _) if p == &["reserve"]));
    }

    #[test]
    fn steps_given_as_values_name_their_type() {
        let f = facts("fn saga() { TransactionSaga::builder(\"x\").add_step(CreateSample { id, table }).add_step(Box::new(ReserveStock::new(3))).add_step(steps::Notify::default()).add_step(Box::new(reserve)).add_step(make_step(1)) ; }");
        let types: Vec<Option<Vec<&str>>> = f.chains[0]
            .links
            .iter()
            .map(|l| match &l.args[0] {
                StepArg::Value(ty, _) => Some(ty.iter().map(Name::as_str).collect()),
                _ => None,
            })
            .collect();
        assert_eq!(
            types,
            [
                Some(vec!["CreateSample"]),
                Some(vec!["ReserveStock"]),
                Some(vec!["steps", "Notify"]),
                None,
                None
            ]
        );
        assert!(matches!(&f.chains[0].links[3].args[0], StepArg::Path(p, _) if p == &["reserve"]));
        assert!(matches!(&f.chains[0].links[4].args[0], StepArg::Other(_)));
    }

    #[test]
    fn chains_split_over_lets_are_joined_by_variable() {
        let f = facts("fn saga() { let s = Saga::builder(\"x\"); let s = s.step(a).compensate(b); s.step(c).pivot(); }");
        assert_eq!(f.chains.len(), 3, "{:?}", f.chains);
        assert_eq!(f.chains[1].root, ChainRoot::Var("s".into()));
        assert_eq!(f.chains[1].bound_to.as_deref(), Some("s"));
        assert_eq!(f.chains[2].root, ChainRoot::Var("s".into()));
        assert!(f
            .chains
            .iter()
            .all(|c| c.function.as_deref() == Some("saga")));
    }

    #[test]
    fn chains_rooted_at_a_plain_function_call_are_kept_but_not_at_variants() {
        let f = facts("fn saga() { order_saga().step(a).compensate(b); let s = order_saga(); s.step(c); Some(x).map(f).unwrap_or(y); Ok::<_, E>(x).map_err(g).ok(); }");
        let roots: Vec<&ChainRoot> = f.chains.iter().map(|c| &c.root).collect();
        assert_eq!(roots.len(), 3, "{:?}", f.chains);
        assert!(matches!(roots[0], ChainRoot::Call(p, _) if p == &["order_saga"]));
        assert!(matches!(roots[1], ChainRoot::Call(p, _) if p == &["order_saga"]));
        assert_eq!(f.chains[1].bound_to.as_deref(), Some("s"));
        assert_eq!(roots[2], &ChainRoot::Var("s".into()));
    }

    #[test]
    fn chains_on_unrelated_locals_are_not_kept() {
        let f = facts(
            "fn f(v: Vec<u8>) { let n = v.iter().map(|x| x + 1).count(); (0..10).step_by(2); }",
        );
        assert!(f.chains.is_empty(), "{:?}", f.chains);
    }

    #[test]
    fn stub_bodies_are_recognised() {
        let f = facts("fn a() { todo! {} }\nfn b() -> Result<(), E> { Ok(()) }\nfn c() {}\nasync fn d(x: u8) -> Result<(), E> { real_release(x).await }\nfn e() -> R { let x = 1; Ok(x) }\nfn g() { panic!(\"no\") }");
        let bodies: Vec<&Body> = f.functions.iter().map(|f| &f.body).collect();
        assert!(matches!(bodies[0], Body::Stub(s) if s.contains("todo")));
        assert!(matches!(bodies[1], Body::Stub(s) if s.contains("Ok(())")));
        assert!(matches!(bodies[2], Body::Stub(s) if s.contains("empty")));
        assert_eq!(bodies[3], &Body::Delegates(vec!["real_release".into()]));
        assert_eq!(bodies[4], &Body::Real);
        assert!(matches!(bodies[5], Body::Stub(s) if s.contains("panic")));
        assert!(f.functions[3].awaits);
    }

    #[test]
    fn impl_blocks_list_their_methods_and_methods_know_their_impl() {
        let f = facts("impl SagaStep for ReserveCredit { async fn execute(&self) -> R { self.credit.reserve().await } }");
        assert_eq!(f.impls[0].trait_name.as_deref(), Some("SagaStep"));
        assert_eq!(f.impls[0].self_type, "ReserveCredit");
        assert_eq!(f.impls[0].methods, ["execute"]);
        assert_eq!(f.functions[0].owner.as_deref(), Some("ReserveCredit"));
        assert_eq!(f.functions[0].trait_name.as_deref(), Some("SagaStep"));
    }
}
