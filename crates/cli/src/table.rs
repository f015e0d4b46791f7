//! Reports as aligned text tables, for the commands that print measures.

/// Shown where a measure has no value because its class is empty.
pub const ABSENT: &str = "n/a";

/// A share as a percentage with three decimals, so that rates around the 0.1% and 0.5% bars
/// of a false-positive budget are told apart (0.050%, 0.125%).
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| ABSENT.to_owned(), |s| format!("{:.3}%", s * 100.0))
}

/// Where a column's cells sit: names left, numbers right.
#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Right,
}

/// Rows under a header, each column as wide as its widest cell; a table without rows says
/// `none` under its header.
pub fn table(columns: &[(&str, Align)], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let header: Vec<String> = columns.iter().map(|(name, _)| (*name).to_owned()).collect();
    let mut cells = vec![header];
    cells.extend(rows);
    let has_rows = cells.len() > 1;
    let widths: Vec<usize> = (0..columns.len())
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(columns)
            .zip(&widths)
            .map(|((cell, (_, align)), &width)| match align {
                Align::Left => format!("{cell:<width$}"),
                Align::Right => format!("{cell:>width$}"),
            })
            .collect();
        out += line.join("  ").trim_end();
        out += "\n";
    }
    if !has_rows {
        out += "none\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_tell_apart_rates_near_the_tenth_of_a_percent_bar() {
        assert_eq!(percent(Some(0.001)), "0.100%");
        assert_eq!(percent(Some(0.0005)), "0.050%");
        assert_eq!(percent(Some(0.00125)), "0.125%");
        assert_eq!(percent(Some(1.0)), "100.000%");
        assert_eq!(percent(None), "n/a");
    }

    #[test]
    fn tables_align_names_left_and_numbers_right() {
        let rendered = table(
            &[("campaign", Align::Left), ("accounts", Align::Right)],
            [
                vec!["deepseek-2026".to_owned(), "7".to_owned()],
                vec!["qwen".to_owned(), "1200".to_owned()],
            ],
        );
        assert_eq!(
            rendered,
            "campaign       accounts\n\
             deepseek-2026         7\n\
             qwen               1200\n"
        );
        let empty = table(&[("campaign", Align::Left)], []);
        assert_eq!(empty, "campaign\nnone\n");
    }
}
