//! `hs_event_evidence(prompt, system_prompt, tools, thinking, prompt_sketch, ip, asn,
//! user_agent, client_fp, payment_fp, turn_index) -> List<Struct<kind, code, label,
//! example>>`: the values of one event that a campaign's evidence names.
//!
//! Account summaries keep only hashes of what accounts share (so that they stay small and
//! mergeable); an analyst reading a campaign needs the values themselves: which template its
//! accounts fill, with real prompts, and which addresses, networks, autonomous systems,
//! clients and payment instruments they use. This function lists them for one event, one
//! entry per kind present, so that a plan can unnest the list and count accounts per value
//! with ordinary grouping.
//!
//! Each value is a `u64` *code*, which the plan groups by, and only values whose code cannot
//! be read back carry their text as `label`. A campaign behind a rotating proxy uses a new
//! address for nearly every exchange, so the plan meets about one value per exchange; an
//! integer per value instead of a string keeps what it holds small, and [`value_text`] turns
//! the few values that are kept back into text:
//!
//! - `template`: the identity of the prompt's template frame, the same
//!   [`PromptSketch::frame_id`] that summaries count as `frames` (so computed from the prompt
//!   or the carried sketch by the same [`EventSketch`] decision), with the prompt as `example`
//!   (cut to [`EXAMPLE_CHARS`] characters; none when the event carried only a sketch); shown
//!   as 16 hex digits. Opening turns only (`turn_index` 0 or unknown): the turn that states
//!   the task is where an operator's template is, and follow-ups ("Continue.") are
//!   everyone's;
//! - `ip` and `network`: an IPv4 address, and its /24 as [`network_of`] derives the link
//!   key's, as their 32 bits; an IPv6 address or /48 as a hash, labelled with its text;
//! - `asn`: the AS number;
//! - `user_agent`, `client_fp`, `payment_fp`: a hash of the text, labelled with it.
//!
//! A carried sketch that does not decode gives no template: the first pass over the input
//! counted and reported it.
//!
//! [`PromptSketch::frame_id`]: hydrascope_core::content::PromptSketch::frame_id
//! [`EventSketch`]: hydrascope_core::content::EventSketch

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, ListArray, StringBuilder, StructArray, UInt64Builder,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields, UInt32Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use hydrascope_core::keys::{KeyKind, network_of};
use xxhash_rust::xxh3::xxh3_64;

use super::sketch::{self, ContentColumns};
use super::{canonical_types, primitives, strings, text, value};

/// The function's name in plans.
pub const NAME: &str = "hs_event_evidence";

/// The event columns the function reads after the content columns of
/// [`hs_prompt_sketch`](super::sketch::COLUMNS), in argument order.
pub const INFRASTRUCTURE_COLUMNS: [&str; 5] =
    ["ip", "asn", "user_agent", "client_fp", "payment_fp"];

/// The last argument: whether the event opens its conversation, for templates.
pub const TURN_COLUMN: &str = "turn_index";

/// The kinds of infrastructure the function lists, in output order: every kind of link key
/// but the system prompt (content), the organisation (declared) and the sign-up day (not an
/// event field).
pub fn infrastructure() -> impl Iterator<Item = KeyKind> {
    KeyKind::ALL.into_iter().filter(|kind| {
        !matches!(
            kind,
            KeyKind::SystemPrompt | KeyKind::Org | KeyKind::SignupDay
        )
    })
}

/// The kind of a template-frame entry.
pub const TEMPLATE: &str = "template";

/// Field names of a list entry.
pub const KIND: &str = "kind";
pub const CODE: &str = "code";
pub const LABEL: &str = "label";
pub const EXAMPLE: &str = "example";

/// Characters of a prompt kept as an example: enough to show a template's frame and its task,
/// short enough that a campaign's examples stay readable.
pub const EXAMPLE_CHARS: usize = 400;

/// Every argument, in order.
pub fn columns() -> Vec<&'static str> {
    sketch::COLUMNS
        .into_iter()
        .chain(INFRASTRUCTURE_COLUMNS)
        .chain([TURN_COLUMN])
        .collect()
}

fn entry_fields() -> Fields {
    Fields::from(vec![
        Field::new(KIND, DataType::Utf8, false),
        Field::new(CODE, DataType::UInt64, false),
        Field::new(LABEL, DataType::Utf8, true),
        Field::new(EXAMPLE, DataType::Utf8, true),
    ])
}

fn item_field() -> Arc<Field> {
    Arc::new(Field::new_list_field(
        DataType::Struct(entry_fields()),
        false,
    ))
}

/// The scalar function `hs_event_evidence`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EventEvidenceUdf {
    signature: Signature,
}

impl EventEvidenceUdf {
    pub fn new() -> Self {
        EventEvidenceUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for EventEvidenceUdf {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for EventEvidenceUdf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        canonical_types(NAME, &columns(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(item_field()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        Ok(ColumnarValue::Array(evidence_lists(
            &arrays,
            args.number_rows,
        )?))
    }
}

/// The entries of every row, as one list per row.
pub(super) fn evidence_lists(args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let content = ContentColumns::new(args)?;
    let at = sketch::COLUMNS.len();
    let [ip, asn, user_agent, client_fp, payment_fp] = INFRASTRUCTURE_COLUMNS;
    let ip = strings(args, at, ip)?;
    let asn = primitives::<UInt32Type>(args, at + 1, asn)?;
    let turn = primitives::<UInt32Type>(args, at + INFRASTRUCTURE_COLUMNS.len(), TURN_COLUMN)?;
    let labels = [
        (KeyKind::UserAgent, strings(args, at + 2, user_agent)?),
        (KeyKind::ClientFp, strings(args, at + 3, client_fp)?),
        (KeyKind::PaymentFp, strings(args, at + 4, payment_fp)?),
    ];
    let mut entries = Entries::with_capacity(rows);
    for row in 0..rows {
        let opening = value(turn, row).is_none_or(|turn| turn == 0);
        if let Some(frame) = opening.then(|| content.frame_id(row)).flatten() {
            let example = content.prompt(row).map(cut_example);
            entries.push(TEMPLATE, frame, None, example);
        }
        if let Some(address) = text(ip, row).and_then(|ip| ip.parse::<IpAddr>().ok()) {
            let (code, label) = address_code(address, || address.to_string());
            entries.push(KeyKind::Ip.name(), code, label.as_deref(), None);
            let (code, label) = address_code(network_address(address), || network_of(address));
            entries.push(KeyKind::Network.name(), code, label.as_deref(), None);
        }
        if let Some(asn) = value(asn, row) {
            entries.push(KeyKind::Asn.name(), u64::from(asn), None, None);
        }
        for (kind, column) in &labels {
            if let Some(label) = text(column, row) {
                entries.push(kind.name(), xxh3_64(label.as_bytes()), Some(label), None);
            }
        }
        entries.end_row();
    }
    Ok(entries.finish())
}

/// An address's code: an IPv4 address's bits; a hash of an IPv6 address, with its `text`.
fn address_code(address: IpAddr, text: impl FnOnce() -> String) -> (u64, Option<String>) {
    match address {
        IpAddr::V4(v4) => (u64::from(v4.to_bits()), None),
        IpAddr::V6(v6) => (xxh3_64(&v6.octets()), Some(text())),
    }
}

/// The first address of `address`'s network (see [`network_of`]).
fn network_address(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => Ipv4Addr::from_bits(v4.to_bits() & !0xff).into(),
        IpAddr::V6(v6) => Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 80) - 1)).into(),
    }
}

/// The text of a value that [`evidence_lists`] coded, as campaign evidence shows it: its
/// label when it has one.
pub fn value_text(kind: &str, code: u64, label: Option<&str>) -> String {
    if let Some(label) = label {
        return label.to_owned();
    }
    let ipv4 = || IpAddr::from(Ipv4Addr::from_bits(code as u32));
    match kind {
        TEMPLATE => format!("{code:016x}"),
        k if k == KeyKind::Ip.name() => ipv4().to_string(),
        k if k == KeyKind::Network.name() => network_of(ipv4()),
        _ => code.to_string(),
    }
}

/// The first [`EXAMPLE_CHARS`] characters of a prompt, with an ellipsis when it was longer.
pub fn cut_example(prompt: &str) -> String {
    match prompt.char_indices().nth(EXAMPLE_CHARS) {
        Some((end, _)) => format!("{}…", &prompt[..end]),
        None => prompt.to_owned(),
    }
}

/// The list column being built: the entries' fields, and where each row's entries end.
struct Entries {
    kinds: StringBuilder,
    codes: UInt64Builder,
    labels: StringBuilder,
    examples: StringBuilder,
    offsets: Vec<i32>,
}

impl Entries {
    fn with_capacity(rows: usize) -> Self {
        // About seven entries per event when the traffic carries every field.
        let entries = rows * 7;
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Entries {
            kinds: StringBuilder::with_capacity(entries, entries * 8),
            codes: UInt64Builder::with_capacity(entries),
            labels: StringBuilder::with_capacity(entries, rows * 64),
            examples: StringBuilder::with_capacity(entries, rows * 256),
            offsets,
        }
    }

    fn push(&mut self, kind: &str, code: u64, label: Option<&str>, example: Option<String>) {
        self.kinds.append_value(kind);
        self.codes.append_value(code);
        self.labels.append_option(label);
        self.examples.append_option(example);
    }

    fn end_row(&mut self) {
        let entries = i32::try_from(self.kinds.len()).expect("fewer than 2^31 entries a batch");
        self.offsets.push(entries);
    }

    fn finish(mut self) -> ArrayRef {
        let entries = StructArray::new(
            entry_fields(),
            vec![
                Arc::new(self.kinds.finish()),
                Arc::new(self.codes.finish()),
                Arc::new(self.labels.finish()),
                Arc::new(self.examples.finish()),
            ],
            None,
        );
        Arc::new(ListArray::new(
            item_field(),
            OffsetBuffer::new(self.offsets.into()),
            Arc::new(entries),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(kind: KeyKind, address: &str) -> String {
        let address: IpAddr = address.parse().unwrap();
        let (code, label) = match kind {
            KeyKind::Network => address_code(network_address(address), || network_of(address)),
            _ => address_code(address, || address.to_string()),
        };
        value_text(kind.name(), code, label.as_deref())
    }

    #[test]
    fn addresses_and_networks_read_back_as_the_contract_and_the_link_keys_write_them() {
        for address in [
            "203.0.113.77",
            "2001:db8:abcd:12::1",
            "::ffff:1.2.3.4",
            "0.0.0.0",
        ] {
            let parsed: IpAddr = address.parse().unwrap();
            assert_eq!(shown(KeyKind::Ip, address), parsed.to_string());
            assert_eq!(shown(KeyKind::Network, address), network_of(parsed));
        }
        assert_eq!(shown(KeyKind::Network, "203.0.113.77"), "203.0.113.0/24");
        assert_eq!(
            shown(KeyKind::Network, "2001:db8:abcd:12::1"),
            "2001:db8:abcd::/48"
        );
    }

    #[test]
    fn numbers_read_back_as_numbers_and_labelled_values_as_their_label() {
        assert_eq!(value_text("asn", 64_500, None), "64500");
        assert_eq!(value_text("user_agent", 7, Some("curl/8")), "curl/8");
        assert_eq!(value_text(TEMPLATE, 0xab, None), "00000000000000ab");
    }

    #[test]
    fn examples_are_cut_on_a_character_boundary() {
        let long = "é".repeat(EXAMPLE_CHARS + 5);
        let cut = cut_example(&long);
        assert_eq!(cut.chars().count(), EXAMPLE_CHARS + 1);
        assert!(cut.starts_with("éé") && cut.ends_with('…'));
        let exact = "a".repeat(EXAMPLE_CHARS);
        assert_eq!(cut_example(&exact), exact);
    }
}
