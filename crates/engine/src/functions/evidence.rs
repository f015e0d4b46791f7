//! `hs_event_evidence(prompt, system_prompt, tools, thinking, prompt_sketch, ip, asn,
//! user_agent, client_fp, payment_fp) -> List<Struct<kind, code_high, code_low, label,
//! example>>`: the values of one event that a campaign's evidence names.
//!
//! Account summaries keep only hashes of what accounts share (so that they stay small and
//! mergeable); an analyst reading a campaign needs the values themselves: which template its
//! accounts fill, with real prompts, and which addresses, networks, autonomous systems,
//! clients and payment instruments they use. This function lists them for one event, one
//! entry per kind present, so that a plan can unnest the list and count accounts per value
//! with ordinary grouping.
//!
//! Each value is a fixed-width *code* of two `u64`s, which the plan groups by, and only the
//! few kinds whose values are text carry that text as `label`. A campaign behind a rotating
//! proxy uses a new address for nearly every exchange, so the plan groups about one value per
//! exchange; grouping by two integers instead of a string per address halves what each group
//! holds, and [`value_text`] turns the few values that are kept back into text:
//!
//! - `template`: the identity of the prompt's template frame, the same
//!   [`PromptSketch::frame_id`] that summaries count as `frames` (so computed from the prompt
//!   or the carried sketch by the same [`EventSketch`] decision), with the prompt as `example`
//!   (cut to [`EXAMPLE_CHARS`] characters; none when the event carried only a sketch); shown
//!   as 16 hex digits;
//! - `ip` and `network`: the address, and its network as [`network_of`] derives the link
//!   key's, as 128 bits (IPv4 mapped into IPv6, so an IPv4-mapped IPv6 address is shown as
//!   the IPv4 address it maps);
//! - `asn`: the AS number;
//! - `user_agent`, `client_fp`, `payment_fp`: a hash of the text, with the text as `label`.
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
pub const CODE_HIGH: &str = "code_high";
pub const CODE_LOW: &str = "code_low";
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
        .collect()
}

fn entry_fields() -> Fields {
    Fields::from(vec![
        Field::new(KIND, DataType::Utf8, false),
        Field::new(CODE_HIGH, DataType::UInt64, false),
        Field::new(CODE_LOW, DataType::UInt64, false),
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
    let labels = [
        (KeyKind::UserAgent, strings(args, at + 2, user_agent)?),
        (KeyKind::ClientFp, strings(args, at + 3, client_fp)?),
        (KeyKind::PaymentFp, strings(args, at + 4, payment_fp)?),
    ];
    let mut entries = Entries::with_capacity(rows);
    for row in 0..rows {
        if let Some(sketch) = content.sketch(row).sketch() {
            let example = content.prompt(row).map(cut_example);
            entries.push(TEMPLATE, (sketch.frame_id(), 0), None, example);
        }
        if let Some(address) = text(ip, row).and_then(|ip| ip.parse::<IpAddr>().ok()) {
            entries.push(KeyKind::Ip.name(), address_code(address), None, None);
            let network = network_address(address);
            entries.push(KeyKind::Network.name(), address_code(network), None, None);
        }
        if let Some(asn) = value(asn, row) {
            entries.push(KeyKind::Asn.name(), (0, u64::from(asn)), None, None);
        }
        for (kind, column) in &labels {
            if let Some(label) = text(column, row) {
                entries.push(
                    kind.name(),
                    (xxh3_64(label.as_bytes()), 0),
                    Some(label),
                    None,
                );
            }
        }
        entries.end_row();
    }
    Ok(entries.finish())
}

/// An address as 128 bits, IPv4 mapped into IPv6.
fn address_code(address: IpAddr) -> (u64, u64) {
    let bits = match address {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
    .to_bits();
    ((bits >> 64) as u64, bits as u64)
}

fn code_address((high, low): (u64, u64)) -> IpAddr {
    Ipv6Addr::from_bits(u128::from(high) << 64 | u128::from(low)).to_canonical()
}

/// The first address of `address`'s network (see [`network_of`]).
fn network_address(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => Ipv4Addr::from_bits(v4.to_bits() & !0xff).into(),
        IpAddr::V6(v6) => Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 80) - 1)).into(),
    }
}

/// The text of a value that [`evidence_lists`] coded, as campaign evidence shows it; `None`
/// for a kind it does not list.
pub fn value_text(kind: &str, code: (u64, u64), label: Option<&str>) -> Option<String> {
    match kind {
        TEMPLATE => Some(format!("{:016x}", code.0)),
        k if k == KeyKind::Ip.name() => Some(code_address(code).to_string()),
        k if k == KeyKind::Network.name() => Some(network_of(code_address(code))),
        k if k == KeyKind::Asn.name() => Some(code.1.to_string()),
        _ => label.map(str::to_owned),
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
    highs: UInt64Builder,
    lows: UInt64Builder,
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
            highs: UInt64Builder::with_capacity(entries),
            lows: UInt64Builder::with_capacity(entries),
            labels: StringBuilder::with_capacity(entries, rows * 64),
            examples: StringBuilder::with_capacity(entries, rows * 256),
            offsets,
        }
    }

    fn push(&mut self, kind: &str, code: (u64, u64), label: Option<&str>, example: Option<String>) {
        self.kinds.append_value(kind);
        self.highs.append_value(code.0);
        self.lows.append_value(code.1);
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
                Arc::new(self.highs.finish()),
                Arc::new(self.lows.finish()),
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
        let code = match kind {
            KeyKind::Network => address_code(network_address(address)),
            _ => address_code(address),
        };
        value_text(kind.name(), code, None).unwrap()
    }

    #[test]
    fn addresses_and_networks_read_back_as_the_contract_and_the_link_keys_write_them() {
        for address in ["203.0.113.77", "2001:db8:abcd:12::1", "::1", "0.0.0.0"] {
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
    fn labelled_kinds_read_back_their_label_and_numbers_their_number() {
        assert_eq!(
            value_text("asn", (0, 64_500), None).as_deref(),
            Some("64500")
        );
        assert_eq!(
            value_text("user_agent", (7, 0), Some("curl/8")).as_deref(),
            Some("curl/8")
        );
        assert_eq!(
            value_text(TEMPLATE, (0xab, 0), None).as_deref(),
            Some("00000000000000ab")
        );
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
