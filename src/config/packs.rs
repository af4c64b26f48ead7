//! Built-in rule packs, written as TOML in the repository's `rules/` folder
//! and embedded in the binary.

use toml::de::{DeTable, DeValue};

use super::{parse_rule, take, Compile};
use crate::error::{ConfigError, SourceFile};

const PACKS: &[(&str, &str)] = &[(
    "builtin:microservices",
    include_str!("../../rules/microservices.toml"),
)];

/// Names accepted in `extends`.
pub fn names() -> Vec<&'static str> {
    PACKS.iter().map(|(name, _)| *name).collect()
}

/// The rules of pack `name`, or `None` if there is no such pack.
pub fn load<R>(name: &str, compile: &Compile<'_, R>) -> Option<Result<Vec<R>, Vec<ConfigError>>> {
    let (name, text) = PACKS.iter().find(|(n, _)| *n == name)?;
    let file = SourceFile::new(*name, *text);
    Some(parse_pack(&file, compile))
}

fn parse_pack<R>(file: &SourceFile, compile: &Compile<'_, R>) -> Result<Vec<R>, Vec<ConfigError>> {
    let text = file.text.clone();
    let root = DeTable::parse(&text).map_err(|e| vec![ConfigError::from_toml(file, &e)])?;
    let mut root = root.into_inner();
    let Some(rules) = take(&mut root, "rule") else {
        return Ok(Vec::new());
    };
    let DeValue::Array(items) = rules.into_inner() else {
        return Err(vec![ConfigError::general(format!(
            "{}: `rule` must be an array",
            file.name
        ))]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match parse_rule(file, item, compile) {
            Ok(rule) => out.push(rule),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_pack_parses() {
        for name in names() {
            let rules = load(name, &crate::checks::compile).unwrap().unwrap();
            assert!(!rules.is_empty(), "{name} has no rules");
        }
    }
}
