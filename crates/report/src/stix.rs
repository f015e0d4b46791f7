//! A scan's campaigns as a STIX 2.1 bundle, the format providers share threat indicators in.
//!
//! Per campaign: a `campaign`, an `infrastructure` it `uses`, one `indicator` per shared
//! value of its infrastructure (addresses, networks, autonomous systems, user agents, client
//! and payment fingerprints) that `indicates` the campaign, and one `note` per shared prompt
//! template giving the template's fingerprint (the identity of its MinHash sketch) — never the
//! prompts, unless asked. Identifiers are UUIDv5 of what they describe, so exporting the same
//! scan twice gives the same bundle and partners can de-duplicate.
//!
//! Values that STIX has no object for (client and payment fingerprints, prompt templates) use
//! custom object types prefixed `x-hydrascope-`, as the specification allows.

use hydrascope_events::Campaign;
use hydrascope_events::campaign::{PartnerCampaign, PartnerIndicator, SharedValue};
use std::path::Path;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::ReportError;
use crate::scan_dir::read_json;
use crate::words::top_capabilities;

/// The namespace of every identifier this export makes.
const NAMESPACE: Uuid = Uuid::from_u128(0x6879_6472_6173_636f_7065_0000_0000_0001);

/// What an export includes.
#[derive(Debug, Clone, Copy)]
pub struct StixOptions<'a> {
    /// The time the objects are stamped with (RFC 3339 with milliseconds).
    pub created: &'a str,
    /// Quotes each shared template's example prompts in its note. Off by default: prompts
    /// can hold a customer's data.
    pub include_prompts: bool,
}

/// The bundle of every campaign.
pub fn bundle(campaigns: &[Campaign], options: StixOptions) -> Value {
    let creator = id("identity", "hydrascope");
    let mut objects = vec![json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": creator,
        "created": options.created,
        "modified": options.created,
        "name": "hydrascope",
        "identity_class": "system",
        "description": "Detection of distillation campaigns in AI model API traffic",
    })];
    for campaign in campaigns {
        objects.extend(campaign_objects(campaign, &creator, options));
    }
    let digest: Vec<String> = objects
        .iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    json!({
        "type": "bundle",
        "id": id("bundle", &digest.join(",")),
        "objects": objects,
    })
}

fn campaign_objects(campaign: &Campaign, creator: &str, options: StixOptions) -> Vec<Value> {
    let campaign_id = id("campaign", &campaign.id);
    let infrastructure_id = id("infrastructure", &campaign.id);
    let common = |kind: &str, object_id: &str| {
        json!({
            "type": kind,
            "spec_version": "2.1",
            "id": object_id,
            "created": options.created,
            "modified": options.created,
            "created_by_ref": creator,
        })
    };
    let capabilities = top_capabilities(campaign, 3);
    let mut objects = Vec::new();
    let mut object = common("campaign", &campaign_id);
    merge(
        &mut object,
        json!({
            "name": format!("hydrascope {}", campaign.id),
            "description": format!(
                "{} accounts sent {} exchanges to an AI model's API between {} and {}, \
                 targeting {}: a distillation campaign (collecting a model's answers to train \
                 another).",
                campaign.accounts.len(), campaign.exchanges, campaign.first_seen,
                campaign.last_seen, capabilities.join(", ")
            ),
            "first_seen": campaign.first_seen,
            "last_seen": campaign.last_seen,
            "objective": "Harvest model outputs to train another model (distillation)",
        }),
    );
    objects.push(object);
    let mut infrastructure = common("infrastructure", &infrastructure_id);
    merge(
        &mut infrastructure,
        json!({
            "name": format!("hydrascope {} infrastructure", campaign.id),
            "description": "The addresses, networks, autonomous systems, client software and \
                            payment instruments the campaign's accounts used.",
            "infrastructure_types": ["unknown"],
        }),
    );
    objects.push(infrastructure);
    objects.push(relationship(
        &common,
        "uses",
        &campaign_id,
        &infrastructure_id,
    ));
    for (kind, values) in &campaign.evidence.infrastructure {
        for value in &values.top {
            let Some(pattern) = pattern(kind, &value.value) else {
                continue;
            };
            let indicator_id = id(
                "indicator",
                &format!("{}/{kind}/{}", campaign.id, value.value),
            );
            let mut indicator = common("indicator", &indicator_id);
            merge(
                &mut indicator,
                json!({
                    "name": format!("{} shared by {} accounts of {}", kind, value.accounts, campaign.id),
                    "description": usage(value),
                    "indicator_types": ["anomalous-activity"],
                    "pattern": pattern,
                    "pattern_type": "stix",
                    "valid_from": campaign.first_seen,
                }),
            );
            objects.push(indicator);
            objects.push(relationship(
                &common,
                "indicates",
                &indicator_id,
                &campaign_id,
            ));
        }
    }
    for template in &campaign.evidence.templates {
        let note_id = id(
            "note",
            &format!("{}/template/{}", campaign.id, template.frame),
        );
        let mut content = format!(
            "Prompt template fingerprint x-hydrascope-template:frame = '{}' (the identity of the \
             MinHash sketch of its instruction frame, hash spec hs1), filled by {} accounts in \
             {} exchanges.",
            template.frame, template.accounts, template.exchanges
        );
        if options.include_prompts {
            for example in &template.examples {
                content.push_str(&format!("\nExample: {example}"));
            }
        }
        let mut note = common("note", &note_id);
        merge(
            &mut note,
            json!({
                "abstract": format!("Prompt template {} of {}", template.frame, campaign.id),
                "content": content,
                "object_refs": [campaign_id],
            }),
        );
        objects.push(note);
    }
    objects
}

fn relationship(
    common: &impl Fn(&str, &str) -> Value,
    kind: &str,
    source: &str,
    target: &str,
) -> Value {
    let mut object = common(
        "relationship",
        &id("relationship", &format!("{source} {kind} {target}")),
    );
    merge(
        &mut object,
        json!({ "relationship_type": kind, "source_ref": source, "target_ref": target }),
    );
    object
}

/// The object path and operator of each kind's pattern (`[PATH OP 'value']`). Both
/// directions read this one table: [`pattern`] writes it, [`indicator_of`] reads it back.
const PATTERNS: [(&str, &str, &str); 8] = [
    ("ip", "ipv4-addr:value", "="),
    ("ip", "ipv6-addr:value", "="),
    ("network", "ipv4-addr:value", "ISSUBSET"),
    ("network", "ipv6-addr:value", "ISSUBSET"),
    ("asn", "autonomous-system:number", "="),
    (
        "user_agent",
        "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
        "=",
    ),
    ("client_fp", "x-hydrascope-client:fingerprint", "="),
    ("payment_fp", "x-hydrascope-payment:fingerprint", "="),
];

/// The STIX pattern that matches one value of a kind of infrastructure, or `None` for a
/// kind that has no pattern.
pub fn pattern(kind: &str, value: &str) -> Option<String> {
    let family = if value.contains(':') { "ipv6" } else { "ipv4" };
    let (_, path, op) = PATTERNS
        .iter()
        .find(|(k, path, _)| *k == kind && (!path.starts_with("ip") || path.starts_with(family)))?;
    let literal = if kind == "asn" {
        value.parse::<u64>().ok()?.to_string()
    } else {
        quote(value)
    };
    Some(format!("[{path} {op} {literal}]"))
}

/// The kind and value a pattern of [`PATTERNS`] matches; `None` for any other pattern.
pub fn indicator_of(pattern: &str) -> Option<(&'static str, String)> {
    let inner = pattern.trim().strip_prefix('[')?.strip_suffix(']')?;
    PATTERNS.iter().find_map(|(kind, path, op)| {
        let literal = inner.strip_prefix(path)?.strip_prefix(&format!(" {op} "))?;
        let value = if *kind == "asn" {
            literal.parse::<u64>().ok()?.to_string()
        } else {
            unquote(literal)?
        };
        Some((*kind, value))
    })
}

/// A STIX pattern string literal: single quotes, with `\` and `'` escaped.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The text of a [`quote`]d literal.
fn unquote(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?),
            '\'' => return None,
            c => value.push(c),
        }
    }
    Some(value)
}

/// What a partner's bundle gave: its campaigns with the indicators that indicate them, and
/// the patterns that were not understood (counted, never silently dropped).
#[derive(Debug, Default)]
pub struct Imported {
    pub campaigns: Vec<PartnerCampaign>,
    /// Indicators whose pattern is not one of [`PATTERNS`], or that indicate no campaign.
    pub not_understood: Vec<String>,
}

/// Reads a STIX 2.1 bundle: each `campaign`, and the `indicator`s a relationship says
/// `indicates` it. `source` names the bundle in the imported campaigns.
pub fn read_bundle(bundle: &Value, source: &str) -> Result<Imported, String> {
    let objects = bundle
        .get("objects")
        .and_then(Value::as_array)
        .filter(|_| bundle["type"] == "bundle")
        .ok_or("not a STIX bundle: no `type: bundle` with `objects`")?;
    let of_type = |kind: &'static str| objects.iter().filter(move |o| o["type"] == kind);
    let text = |o: &Value, key: &str| o[key].as_str().unwrap_or_default().to_owned();
    let mut campaigns: Vec<PartnerCampaign> = Vec::new();
    let mut campaign_at = std::collections::HashMap::new();
    for campaign in of_type("campaign") {
        campaign_at.insert(text(campaign, "id"), campaigns.len());
        campaigns.push(PartnerCampaign {
            name: text(campaign, "name"),
            source: format!("{source} ({})", text(bundle, "id")),
            indicators: Vec::new(),
        });
    }
    let mut indicates: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for relationship in of_type("relationship").filter(|r| r["relationship_type"] == "indicates") {
        if let Some(&at) = campaign_at.get(&text(relationship, "target_ref")) {
            indicates
                .entry(text(relationship, "source_ref"))
                .or_default()
                .push(at);
        }
    }
    let mut imported = Imported::default();
    for indicator in of_type("indicator") {
        let pattern = text(indicator, "pattern");
        let targets = indicates.get(&text(indicator, "id"));
        match (indicator_of(&pattern), targets) {
            (Some((kind, value)), Some(targets)) => {
                for &at in targets {
                    campaigns[at].indicators.push(PartnerIndicator {
                        kind: kind.to_owned(),
                        value: value.clone(),
                    });
                }
            }
            _ => imported.not_understood.push(pattern),
        }
    }
    imported.campaigns = campaigns;
    Ok(imported)
}

/// The partner campaigns of an indicators file (`hydrascope indicators import`); none when
/// it does not exist yet.
pub fn read_indicators(path: &Path) -> Result<Vec<PartnerCampaign>, ReportError> {
    match read_json(path) {
        Err(ReportError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(Vec::new())
        }
        read => read,
    }
}

fn usage(value: &SharedValue) -> String {
    format!(
        "Used by {} of the campaign's accounts in {} exchanges.",
        value.accounts, value.exchanges
    )
}

/// A STIX identifier: the type and the UUIDv5 of `name` in [`NAMESPACE`].
fn id(kind: &str, name: &str) -> String {
    format!(
        "{kind}--{}",
        Uuid::new_v5(&NAMESPACE, format!("{kind}:{name}").as_bytes())
    )
}

fn merge(object: &mut Value, fields: Value) {
    if let (Some(object), Value::Object(fields)) = (object.as_object_mut(), fields) {
        object.extend(fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_quote_values_and_refuse_what_they_cannot_express() {
        assert_eq!(
            pattern("ip", "203.0.113.7").unwrap(),
            "[ipv4-addr:value = '203.0.113.7']"
        );
        assert_eq!(
            pattern("network", "2001:db8::/48").unwrap(),
            "[ipv6-addr:value ISSUBSET '2001:db8::/48']"
        );
        assert_eq!(
            pattern("asn", "4134").unwrap(),
            "[autonomous-system:number = 4134]"
        );
        assert_eq!(pattern("asn", "AS4134"), None);
        assert_eq!(pattern("system_prompt", "x"), None);
        assert!(
            pattern("user_agent", r"it's a \ test")
                .unwrap()
                .ends_with(r"= 'it\'s a \\ test']")
        );
    }

    #[test]
    fn every_pattern_reads_back_as_its_kind_and_value() {
        for (kind, value) in [
            ("ip", "203.0.113.7"),
            ("ip", "2001:db8::1"),
            ("network", "203.0.113.0/24"),
            ("asn", "4134"),
            ("user_agent", r"it's a \ test"),
            ("client_fp", "t13d1217h2_639b9b3fdc27"),
            ("payment_fp", "3a0339519ce785a2"),
        ] {
            let written = pattern(kind, value).unwrap();
            assert_eq!(
                indicator_of(&written),
                Some((kind, value.to_owned())),
                "{written}"
            );
        }
        assert_eq!(indicator_of("[file:name = 'x.exe']"), None);
        assert_eq!(indicator_of("[ipv4-addr:value = 'a'b']"), None);
    }

    #[test]
    fn identifiers_are_stable_and_distinct() {
        assert_eq!(id("campaign", "c-0001"), id("campaign", "c-0001"));
        assert_ne!(id("campaign", "c-0001"), id("campaign", "c-0002"));
        assert!(id("campaign", "c-0001").starts_with("campaign--"));
    }
}
