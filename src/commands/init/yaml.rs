//! A reader for the block YAML of docker-compose files and Kubernetes
//! manifests: nested maps and sequences, plain, quoted and flow scalars,
//! several documents per file. `init` needs a handful of keys (service
//! names, `build`, `image`, `environment`, `metadata.name`, `selector`,
//! `containers`), so this reads the subset such files are written in
//! rather than adding a YAML crate (serde_yaml is unmaintained and its forks
//! bring a full YAML 1.2 engine for a few keys). Anchors, tags and
//! multi-line plain scalars are read as text or skipped; block scalars
//! (`|`, `>`) keep their lines. Helm template lines (`{{- if … }}`) are
//! skipped. Nothing here can fail: what it does not understand is left out.

/// A YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml {
    /// Keys in file order.
    Map(Vec<(String, Yaml)>),
    Seq(Vec<Yaml>),
    Str(String),
    Null,
}

impl Yaml {
    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a path of map keys.
    pub fn at(&self, path: &[&str]) -> Option<&Yaml> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// A scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Str(text) => Some(text),
            _ => None,
        }
    }

    /// A map's entries (empty for anything else).
    pub fn entries(&self) -> &[(String, Yaml)] {
        match self {
            Yaml::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A sequence's items (empty for anything else).
    pub fn items(&self) -> &[Yaml] {
        match self {
            Yaml::Seq(items) => items,
            _ => &[],
        }
    }
}

/// Deepest nesting read: compose files and manifests stay far below it.
const MAX_DEPTH: usize = 64;

/// One meaningful line: its indentation and its content without comment.
#[derive(Debug, Clone)]
struct Line {
    indent: usize,
    text: String,
}

/// Every document of `text` (separated by `---`).
pub fn parse_documents(text: &str) -> Vec<Yaml> {
    let mut documents = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    let mut raw = text.lines().peekable();
    while let Some(line) = raw.next() {
        let trimmed = line.trim_end();
        if trimmed.starts_with("---") || trimmed == "..." {
            documents.push(std::mem::take(&mut lines));
            continue;
        }
        let content = trimmed.trim_start();
        if content.is_empty() || content.starts_with('#') || content.starts_with("{{") {
            continue;
        }
        // Only spaces indent in YAML; a tab makes the line unreadable.
        let indent = trimmed.len() - trimmed.trim_start_matches(' ').len();
        if trimmed[indent..].starts_with('\t') {
            continue;
        }
        let content = strip_comment(content);
        // A block scalar: its more indented lines are its text.
        if let Some((head, indicator)) = block_scalar(&content) {
            let mut body = Vec::new();
            while let Some(next) = raw.peek() {
                let next_indent = next.len() - next.trim_start_matches(' ').len();
                if next.trim().is_empty() || next_indent > indent_of_item(indent, &content) {
                    body.push(next.trim().to_string());
                    raw.next();
                } else {
                    break;
                }
            }
            while body.last().is_some_and(String::is_empty) {
                body.pop();
            }
            let joined = body.join(if indicator == '>' { " " } else { "\n" });
            lines.push(Line {
                indent,
                text: format!("{head}{}", quote_for_line(&joined)),
            });
            continue;
        }
        lines.push(Line {
            indent,
            text: content,
        });
    }
    documents.push(lines);
    documents
        .into_iter()
        .filter(|lines| !lines.is_empty())
        .map(|lines| {
            let mut at = 0;
            let indent = lines[0].indent;
            parse_block(&lines, &mut at, indent, 0)
        })
        .collect()
}

/// The indentation a block scalar's text must exceed: the key's, or for
/// `- key: |` the item content's.
fn indent_of_item(indent: usize, content: &str) -> usize {
    let mut indent = indent;
    let mut rest = content;
    while let Some(after) = rest.strip_prefix("- ") {
        indent += 2;
        rest = after;
    }
    indent
}

/// `key: |` or `- |-`: the text before the indicator and the indicator.
fn block_scalar(content: &str) -> Option<(String, char)> {
    let trimmed = content.trim_end();
    let last = trimmed.rsplit([' ']).next()?;
    let indicator = last.chars().next()?;
    let rest_ok = last
        .chars()
        .skip(1)
        .all(|c| matches!(c, '-' | '+') || c.is_ascii_digit());
    if !matches!(indicator, '|' | '>') || !rest_ok {
        return None;
    }
    let head = &trimmed[..trimmed.len() - last.len()];
    let head_ok = head.is_empty() || head.ends_with(": ") || head.trim_end() == "-";
    head_ok.then(|| (head.to_string(), indicator))
}

/// A text as a double-quoted scalar, so it reads back as one value.
fn quote_for_line(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The line without a trailing `# comment` (a `#` after a space, outside quotes).
fn strip_comment(content: &str) -> String {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in content.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && (previous == ' ' || at == 0 || previous == ':') => {
                quote = Some(c)
            }
            None if c == '#' && previous == ' ' => return content[..at].trim_end().to_string(),
            None => {}
        }
        previous = c;
    }
    content.trim_end().to_string()
}

/// The block starting at `lines[*at]`, whose lines are indented `indent`.
fn parse_block(lines: &[Line], at: &mut usize, indent: usize, depth: usize) -> Yaml {
    if depth > MAX_DEPTH {
        skip_deeper(lines, at, indent);
        return Yaml::Null;
    }
    let Some(first) = lines.get(*at) else {
        return Yaml::Null;
    };
    if is_item(&first.text) {
        parse_seq(lines, at, indent, depth)
    } else {
        parse_map(lines, at, indent, depth)
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Skips every line indented at least `indent`.
fn skip_deeper(lines: &[Line], at: &mut usize, indent: usize) {
    while lines.get(*at).is_some_and(|l| l.indent >= indent) {
        *at += 1;
    }
}

fn parse_seq(lines: &[Line], at: &mut usize, indent: usize, depth: usize) -> Yaml {
    let mut items = Vec::new();
    while let Some(line) = lines.get(*at) {
        if line.indent != indent || !is_item(&line.text) {
            break;
        }
        let rest = line.text[1..].trim_start();
        if strip_properties(rest).is_empty() {
            *at += 1;
            match lines.get(*at) {
                Some(next) if next.indent > indent => {
                    let inner = next.indent;
                    items.push(parse_block(lines, at, inner, depth + 1));
                }
                _ => items.push(Yaml::Null),
            }
            continue;
        }
        // `- key: value` opens a map (or `- - x` a sequence) whose lines
        // sit where the item's content starts.
        let inner = indent + (line.text.len() - rest.len());
        if is_item(rest) || split_key(rest).is_some() {
            let mut local: Vec<Line> = vec![Line {
                indent: inner,
                text: rest.to_string(),
            }];
            *at += 1;
            while let Some(next) = lines.get(*at) {
                if next.indent < inner {
                    break;
                }
                local.push(next.clone());
                *at += 1;
            }
            let mut local_at = 0;
            items.push(parse_block(&local, &mut local_at, inner, depth + 1));
        } else {
            items.push(scalar_or_flow(rest));
            *at += 1;
            // Continuation lines of a multi-line plain scalar.
            skip_deeper(lines, at, indent + 1);
        }
    }
    Yaml::Seq(items)
}

fn parse_map(lines: &[Line], at: &mut usize, indent: usize, depth: usize) -> Yaml {
    let mut entries = Vec::new();
    while let Some(line) = lines.get(*at) {
        if line.indent != indent || is_item(&line.text) {
            break;
        }
        let Some((key, value)) = split_key(&line.text) else {
            // Not a `key: value` line: skip it and whatever hangs below it.
            *at += 1;
            skip_deeper(lines, at, indent + 1);
            continue;
        };
        *at += 1;
        if !strip_properties(value).is_empty() {
            entries.push((key, scalar_or_flow(value)));
            skip_deeper(lines, at, indent + 1);
            continue;
        }
        let value = match lines.get(*at) {
            Some(next) if next.indent > indent => {
                let inner = next.indent;
                parse_block(lines, at, inner, depth + 1)
            }
            // `key:` followed by `- item` at the key's own indentation.
            Some(next) if next.indent == indent && is_item(&next.text) => {
                parse_seq(lines, at, indent, depth + 1)
            }
            _ => Yaml::Null,
        };
        entries.push((key, value));
    }
    Yaml::Map(entries)
}

/// `key: value` (value possibly empty), with the key unquoted.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(quote @ ('"' | '\'')) = text.chars().next() {
        let end = text[1..].find(quote)? + 1;
        let rest = text[end + 1..].strip_prefix(':')?;
        (text[1..end].to_string(), rest)
    } else {
        let colon = text
            .char_indices()
            .find(|&(i, c)| c == ':' && text[i + 1..].chars().next().is_none_or(|n| n == ' '))?
            .0;
        let key = &text[..colon];
        // A flow collection or a quoted scalar is a value, not a key.
        if key.starts_with(['[', '{']) || key.contains(['"', '\'']) {
            return None;
        }
        (key.trim().to_string(), &text[colon + 1..])
    };
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((key, rest.trim()))
}

/// A scalar, `[a, b]` or `{a: b}`; anchors and tags before it are dropped.
fn scalar_or_flow(text: &str) -> Yaml {
    let text = strip_properties(text);
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Yaml::Seq(split_flow(inner).into_iter().map(scalar_or_flow).collect());
    }
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return Yaml::Map(
            split_flow(inner)
                .into_iter()
                .filter_map(|item| {
                    let (key, value) = split_key(item).or_else(|| {
                        let (k, v) = item.split_once(':')?;
                        Some((k.trim().to_string(), v.trim()))
                    })?;
                    Some((unquote(&key), scalar_or_flow(value)))
                })
                .collect(),
        );
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Yaml::Null,
        _ => Yaml::Str(unquote(text)),
    }
}

/// The value without the anchors (`&name`) and tags (`!!str`) before it.
fn strip_properties(text: &str) -> &str {
    let mut text = text.trim();
    while text.starts_with(['&', '!']) {
        text = text
            .split_once(' ')
            .map_or("", |(_, after)| after.trim_start());
    }
    text
}

/// The items of a flow collection's inside, split at top-level commas.
fn split_flow(inner: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (at, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                items.push(inner[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(inner[start..].trim());
    items.retain(|i| !i.is_empty());
    items
}

/// A scalar without its quotes; `"…"` escapes read, `'…'` doubled quotes read.
fn unquote(text: &str) -> String {
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        return text[1..text.len() - 1].replace("''", "'");
    }
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        let mut out = String::new();
        let mut chars = text[1..text.len() - 1].chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        }
        return out;
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Yaml {
        let mut documents = parse_documents(text);
        assert_eq!(documents.len(), 1, "{documents:?}");
        documents.remove(0)
    }

    fn s(text: &str) -> Yaml {
        Yaml::Str(text.into())
    }

    #[test]
    fn compose_services_with_maps_lists_and_flow_values() {
        let compose = "\
version: \"3.8\"
services:
  orders:            # the order API
    build:
      context: ./services/orders
      args:
        PACKAGE: orders
    container_name: 'orders-svc'
    environment:
      - PAYMENTS_URL=http://payments:8080
      - RUST_LOG=info
    ports: [\"8080:8080\", \"9090:9090\"]
  payments:
    image: registry.example.com/shop/payments:1.4
    environment:
      ORDERS_URL: \"http://orders-svc:8080/v1\"
    networks:
      backend:
        aliases: [payments-api]
";
        let doc = one(compose);
        let orders = doc.at(&["services", "orders"]).unwrap();
        assert_eq!(
            orders.at(&["build", "context"]),
            Some(&s("./services/orders"))
        );
        assert_eq!(orders.at(&["build", "args", "PACKAGE"]), Some(&s("orders")));
        assert_eq!(orders.get("container_name"), Some(&s("orders-svc")));
        assert_eq!(
            orders.get("environment").unwrap().items(),
            [s("PAYMENTS_URL=http://payments:8080"), s("RUST_LOG=info")]
        );
        assert_eq!(
            orders.get("ports"),
            Some(&Yaml::Seq(vec![s("8080:8080"), s("9090:9090")]))
        );
        let payments = doc.at(&["services", "payments"]).unwrap();
        assert_eq!(
            payments.at(&["environment", "ORDERS_URL"]),
            Some(&s("http://orders-svc:8080/v1"))
        );
        assert_eq!(
            payments.at(&["networks", "backend", "aliases"]),
            Some(&Yaml::Seq(vec![s("payments-api")]))
        );
    }

    #[test]
    fn kubernetes_documents_and_sequences_of_maps() {
        let manifest = "\
apiVersion: v1
kind: Service
metadata:
  name: kitchen-rpc
spec:
  selector:
    app: kitchen
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kitchen
spec:
  template:
    metadata:
      labels: {app: kitchen, tier: backend}
    spec:
      containers:
      - name: kitchen
        image: ghcr.io/acme/kitchen:2.1
        command:
          - /usr/local/bin/kitchen
        env:
        - name: ORDERS_URL
          value: http://orders:8080
";
        let docs = parse_documents(manifest);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].at(&["metadata", "name"]), Some(&s("kitchen-rpc")));
        assert_eq!(
            docs[0].at(&["spec", "selector", "app"]),
            Some(&s("kitchen"))
        );
        let template = docs[1].at(&["spec", "template"]).unwrap();
        assert_eq!(
            template.at(&["metadata", "labels", "tier"]),
            Some(&s("backend"))
        );
        let containers = template.at(&["spec", "containers"]).unwrap().items();
        assert_eq!(containers.len(), 1);
        assert_eq!(
            containers[0].get("image"),
            Some(&s("ghcr.io/acme/kitchen:2.1"))
        );
        assert_eq!(
            containers[0].get("command").unwrap().items(),
            [s("/usr/local/bin/kitchen")]
        );
        let env = containers[0].get("env").unwrap().items();
        assert_eq!(env[0].get("value"), Some(&s("http://orders:8080")));
    }

    #[test]
    fn block_scalars_templates_anchors_and_odd_lines_are_survived() {
        let text = "\
x-common: &common
  restart: always
services:
  worker:
    <<: *common
    command: >
      worker --queue orders
      --verbose
{{- if .Values.enabled }}
    entrypoint: |
      echo start
    labels:
      - \"traefik.enable=true\"
\tbroken: tab
  gateway:
    image: gateway
";
        let doc = one(text);
        let worker = doc.at(&["services", "worker"]).unwrap();
        assert_eq!(
            worker.get("command"),
            Some(&s("worker --queue orders --verbose"))
        );
        assert_eq!(worker.get("entrypoint"), Some(&s("echo start")));
        assert_eq!(
            doc.at(&["services", "gateway", "image"]),
            Some(&s("gateway"))
        );
        assert_eq!(doc.at(&["x-common", "restart"]), Some(&s("always")));
    }

    #[test]
    fn deep_or_hostile_input_never_panics() {
        let deep: String = (0..500)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let _ = parse_documents(&deep);
        for text in [
            "- - - -",
            ": :",
            "\"unterminated: x",
            "a: [b, {c: d",
            "-\n  -\n    -",
            "key: |",
            "'k': v\n\"k2\": w",
        ] {
            let _ = parse_documents(text);
        }
        assert_eq!(one("'k': v").get("k"), Some(&s("v")));
    }
}
