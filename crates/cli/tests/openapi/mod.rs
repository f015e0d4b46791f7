//! The service's answers checked against its published description, `docs/openapi.json`:
//! what the document promises a client is what the tests see.

use std::sync::OnceLock;

use serde_json::{Value, json};

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// Follows a local `$ref` (`#/components/…`) in the document.
fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("local reference");
            document().pointer(pointer).expect("the reference exists")
        }
        None => value,
    }
}

/// The document's path template that a request path matches (`/v1/accounts/acct_1?x=1` →
/// `/v1/accounts/{id}`).
fn template_of(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    let templates = document()["paths"].as_object().unwrap().keys();
    templates
        .map(String::as_str)
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || t.starts_with('{'))
        })
        .unwrap_or_else(|| panic!("{path} is not documented"))
}

/// Asserts that `body` is what the document says `method path` answers with `status`.
pub fn assert_answer(method: &str, path: &str, status: u16, body: &Value) {
    let path = template_of(path);
    let operation = &document()["paths"][path][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let response = resolve(&operation["responses"][status.to_string()]);
    assert!(
        response.is_object(),
        "{method} {path} does not document status {status}"
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status} has no JSON schema"
    );
    // The schema's references resolve against the whole document.
    let mut root = document().clone();
    root["allOf"] = json!([schema]);
    let validator = jsonschema::validator_for(&root).expect("the document's schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match docs/openapi.json: {errors:?}\n{body}"
    );
}
