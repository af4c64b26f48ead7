//! `cargo archfit schema config|report`: JSON Schemas derived (schemars)
//! from the types that read archfit.toml and write the JSON report, so a
//! schema cannot say something the tool does not do. The files under
//! `schemas/` are these texts, committed (a test keeps them equal).
//!
//! Draft 7 with no `const`: taplo (Even Better TOML) reads draft 4 and
//! later, and `const` came in draft 6.

use schemars::generate::SchemaSettings;
use schemars::transform::{RecursiveTransform, ReplaceConstValue, RestrictFormats, Transform};
use schemars::{Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// Which schema (also `schema` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// archfit.toml, for editors (taplo, Even Better TOML) and validators.
    Config,
    /// The JSON report of `check --format json`.
    Report,
}

/// The schema as pretty-printed JSON, ending in a newline.
pub fn render(kind: SchemaKind) -> String {
    let schema = match kind {
        SchemaKind::Config => config(),
        SchemaKind::Report => report(),
    };
    let mut text = serde_json::to_string_pretty(&schema)
        .expect("a schema is a JSON value with string keys, so serialising it cannot fail");
    text.push('\n');
    text
}

/// Draft 7, less `const` and the formats draft 7 does not define
/// (`uint32`), which validators would reject or ignore.
fn settings() -> SchemaSettings {
    SchemaSettings::draft07()
        .with_transform(ReplaceConstValue::default())
        .with_transform(RestrictFormats::default())
}

fn config() -> Schema {
    let mut generator = settings().for_deserialize().into_generator();
    let document = config_document(&mut generator);
    let mut schema = root(generator, document);
    // TOML has no null: an optional key is one left out.
    RecursiveTransform(drop_null).transform(&mut schema);
    schema
}

/// The JSON Schema of archfit.toml: the file's own keys, and a `[[rule]]`
/// that is one of the checks, each with the common keys and its
/// parameters (`check` tells them apart).
fn config_document(generator: &mut SchemaGenerator) -> Schema {
    // One object per check: the common keys and the check's own, with
    // `additionalProperties: false` over both (an `allOf` of the two would
    // make each reject the other's keys).
    let common = crate::config::rule_schema(generator);
    let variants: Vec<Value> = crate::checks::CHECKS
        .iter()
        .map(|check| {
            let params = (check.params_schema)(generator);
            let mut properties = Map::new();
            let mut required: Vec<Value> = Vec::new();
            for part in [&common, &params] {
                if let Some(theirs) = part.get("properties").and_then(Value::as_object) {
                    properties.extend(theirs.clone());
                }
                if let Some(theirs) = part.get("required").and_then(Value::as_array) {
                    required.extend(theirs.iter().cloned());
                }
            }
            properties.insert(
                "check".into(),
                json!({
                    "description": format!("The check: {}.", check.summary),
                    "enum": [check.name],
                }),
            );
            json!({
                "title": check.name,
                "description": check.summary,
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        })
        .collect();
    crate::config::document_schema(
        generator,
        schemars::json_schema!({
            "description": "The rules: each enforces one decision with one check \
                            (`cargo archfit explain <check>` documents its parameters).",
            "type": "array",
            "items": { "oneOf": variants },
        }),
    )
}

fn report() -> Schema {
    // Serialise contract: every key is written, `null` included, so every
    // key is required.
    let mut generator = settings().for_serialize().into_generator();
    let document = super::json::schema(&mut generator);
    root(generator, document)
}

/// The document with the meta-schema, the definitions its references
/// point to, and the settings' transforms applied to all of it.
fn root(mut generator: SchemaGenerator, mut schema: Schema) -> Schema {
    if let Some(object) = schema.as_object_mut() {
        if let Some(meta) = generator.settings().meta_schema.clone() {
            object.insert("$schema".into(), Value::String(meta.into_owned()));
        }
        let definitions = generator.take_definitions(false);
        if !definitions.is_empty() {
            object.insert("definitions".into(), Value::Object(definitions));
        }
    }
    for transform in generator.transforms_mut() {
        transform.transform(&mut schema);
    }
    RecursiveTransform(unwrap_descriptions).transform(&mut schema);
    schema
}

/// Doc comments wrap at 80 columns; a description is one paragraph, which
/// editors wrap to their own width.
fn unwrap_descriptions(schema: &mut Schema) {
    if let Some(Value::String(text)) = schema.get_mut("description") {
        *text = text
            .split("\n\n")
            .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
}

/// Removes `null` from `type` lists, `anyOf` alternatives and defaults.
fn drop_null(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.get("default").is_some_and(Value::is_null) {
        object.remove("default");
    }
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            object.insert("type".into(), only);
        }
    }
    let is_null = |v: &Value| v.get("type").is_some_and(|t| t == "null");
    if let Some(Value::Array(alternatives)) = object.get_mut("anyOf") {
        alternatives.retain(|a| !is_null(a));
        if alternatives.len() == 1 {
            let only = alternatives.remove(0);
            object.remove("anyOf");
            // `$ref` ignores its siblings before draft 2019-09: keep it in
            // an `allOf` beside the description.
            object.insert("allOf".into(), Value::Array(vec![only]));
        }
    }
}
