//! gRPC service names declared in `.proto` files: `package` plus each
//! `service`, as `cycles` and `quanta` match them (`shop.orders.v1.Orders`).

/// The gRPC services one `.proto` file declares, fully qualified.
pub fn services(text: &str) -> Vec<String> {
    let tokens = tokens(&without_comments(text));
    let mut package: Option<String> = None;
    let mut names = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        let next = tokens.get(at + 1).map(String::as_str);
        match token.as_str() {
            "package" if tokens.get(at + 2).map(String::as_str) == Some(";") => {
                package = next.filter(|n| is_dotted_ident(n)).map(str::to_string);
            }
            "service" if tokens.get(at + 2).map(String::as_str) == Some("{") => {
                if let Some(name) = next.filter(|n| is_ident(n)) {
                    names.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    names
        .into_iter()
        .map(|name| match &package {
            Some(package) => format!("{package}.{name}"),
            None => name,
        })
        .collect()
}

fn is_ident(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_dotted_ident(text: &str) -> bool {
    text.split('.').all(is_ident)
}

/// The text with `//` and `/* */` comments and string literals blanked.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
                out.push(' ');
            }
            '"' | '\'' => {
                let quote = c;
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == quote {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

/// Identifiers (dots kept inside), and `;`, `{`, `}` as tokens of their own.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if matches!(c, ';' | '{' | '}') {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_and_services_give_full_names() {
        let proto = r#"
syntax = "proto3";
// service Commented { }
package shop.orders.v1;
import "google/protobuf/empty.proto";
/* service AlsoCommented {} */
service OrderService {
  rpc Place(PlaceRequest) returns (PlaceReply);
}
message PlaceRequest { string note = 1; } // "service Fake {"
service OrderAdmin{ rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty); }
"#;
        assert_eq!(
            services(proto),
            ["shop.orders.v1.OrderService", "shop.orders.v1.OrderAdmin"]
        );
    }

    #[test]
    fn a_file_without_package_gives_bare_names() {
        assert_eq!(
            services("syntax = \"proto3\";\nservice Health { }\n"),
            ["Health"]
        );
        assert!(services("message Only { int32 service = 1; }").is_empty());
        assert!(services("service").is_empty());
    }
}
