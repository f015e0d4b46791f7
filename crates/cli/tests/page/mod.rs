//! Reading the pages hydrascope writes (reports, dashboard, benchmark pages) in the
//! end-to-end tests: the numbers they mark with `data-campaign` and `data-field`.

/// The text of the element with `data-field="FIELD"` inside the table row of `campaign`.
pub fn row_field(html: &str, campaign: &str, field: &str) -> String {
    let row = html
        .find(&format!("<tr data-campaign=\"{campaign}\">"))
        .unwrap_or_else(|| panic!("no overview row for {campaign}"));
    let row = &html[row..html[row..]
        .find("</tr>")
        .map_or(html.len(), |end| row + end)];
    let marker = format!("data-field=\"{field}\">");
    let start = row
        .find(&marker)
        .unwrap_or_else(|| panic!("no {field} in the row of {campaign}"))
        + marker.len();
    row[start..start + row[start..].find('<').unwrap()].to_owned()
}
