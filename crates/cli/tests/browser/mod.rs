//! The report and the dashboard as a real browser (headless Chromium) renders them, and the
//! campaign numbers they show.

use std::path::Path;
use std::process::{Command, Output};

use hydrascope_events::format::thousands;
use serde_json::Value;

use crate::page::row_field;

/// Asserts that the page shows every campaign's accounts, exchanges and window as
/// `campaigns.json` (or the service's `/v1/campaigns/{id}`) has them.
pub fn assert_numbers_match(html: &str, campaigns: &[Value]) {
    for campaign in campaigns {
        let id = campaign["id"].as_str().unwrap();
        let accounts = campaign["accounts"].as_array().unwrap().len() as u64;
        assert_eq!(row_field(html, id, "accounts"), thousands(accounts));
        let exchanges = campaign["exchanges"].as_u64().unwrap();
        assert_eq!(row_field(html, id, "exchanges"), thousands(exchanges));
        for (field, key) in [("first-seen", "first_seen"), ("last-seen", "last_seen")] {
            let day = &campaign[key].as_str().unwrap()[..10];
            assert_eq!(row_field(html, id, field), day);
        }
    }
}

fn chromium(extra: &[&str], url: &str) -> Output {
    Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs (apt-get install chromium; .ci/run installs it)")
}

/// The DOM a browser builds from `url`.
pub fn browser_dom(url: &str) -> String {
    let dom = chromium(&["--dump-dom"], url);
    assert!(dom.status.success(), "{dom:?}");
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

/// Saves a screenshot of `url` as `name` in the tests' target directory: an artifact to look
/// at after a run.
pub fn screenshot(url: &str, name: &str) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let shot = chromium(
        &[
            &format!("--screenshot={}", path.display()),
            "--window-size=1200,2400",
        ],
        url,
    );
    assert!(shot.status.success(), "{shot:?}");
    assert!(std::fs::metadata(&path).unwrap().len() > 10_000);
}
