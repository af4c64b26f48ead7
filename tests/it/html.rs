//! `report --html`: the architecture report of the shop demo as a site, and
//! the same site opened in headless Chromium.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{archfit, stderr, stdout};

/// A fresh folder under cargo's target directory (kept after the run, so a
/// failure can be looked at).
fn out_dir(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("html-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn report(dir: &Path, extra: &[&str]) -> std::process::Output {
    let dir = dir.to_str().expect("UTF-8 path");
    let mut args = vec!["report", "--html", dir];
    args.extend(extra);
    archfit("shop", &args)
}

/// Every file of a site, by name.
fn site(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("site folder")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(e.path()).expect("page"))
        })
        .collect()
}

/// The values of `attribute="…"` in a page.
fn attributes<'p>(page: &'p str, attribute: &str) -> Vec<&'p str> {
    let needle = format!(" {attribute}=\"");
    page.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &page[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// x, y, width and height of each node's box in an SVG drawing.
fn node_boxes(svg: &str) -> Vec<[f64; 4]> {
    svg.split("<g class=\"node\"")
        .skip(1)
        .map(|node| {
            let rect = &node[node.find("<rect").expect("rect")..];
            let value = |name: &str| -> f64 { attributes(rect, name)[0].parse().expect("number") };
            [value("x"), value("y"), value("width"), value("height")]
        })
        .collect()
}

/// The findings of `check --format json` per ADR link ("" for none).
fn findings_per_adr() -> BTreeMap<String, usize> {
    let output = archfit("shop", &["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON report");
    let mut counts = BTreeMap::new();
    for finding in doc["findings"].as_array().expect("findings") {
        let adr = finding["adr"]["title"].as_str().unwrap_or("").to_string();
        *counts.entry(adr).or_insert(0) += 1;
    }
    counts
}

/// Links between pages name files of the site; nothing is loaded from
/// elsewhere (no script, stylesheet, image or frame source).
fn assert_self_contained(pages: &BTreeMap<String, String>, dom: &str, name: &str) {
    for href in attributes(dom, "href") {
        if href.starts_with("https://") || href.starts_with("http://") {
            continue;
        }
        let file = href.split('#').next().unwrap_or_default();
        assert!(
            pages.contains_key(file),
            "{name}: link {href} names no file of the site"
        );
    }
    let sources = attributes(dom, "src");
    assert!(sources.is_empty(), "{name}: loads {sources:?}");
    assert!(!dom.contains("<script"), "{name}");
    assert!(!dom.contains("<link"), "{name}");
    assert!(!dom.contains("url(http"), "{name}");
}

#[test]
fn shop_report_is_a_self_contained_site() {
    let dir = out_dir("shop");
    let output = report(&dir, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let pages = site(&dir);
    for name in [
        "index.html",
        "findings.html",
        "service-orders.html",
        "service-payments.html",
        "service-inventory.html",
        "service-notifications.html",
        "adr-0004-each-service-owns-its-tables.html",
    ] {
        assert!(pages.contains_key(name), "{name}: {:?}", pages.keys());
    }
    // No temporary file of the atomic writes is left behind.
    assert!(
        pages.keys().all(|n| n.ends_with(".html")),
        "{:?}",
        pages.keys()
    );
    for (name, page) in &pages {
        assert_self_contained(&pages, page, name);
    }
    let index = &pages["index.html"];
    for service in ["orders", "payments", "inventory", "notifications"] {
        assert!(
            index.contains(&format!("data-id=\"{service}\"")),
            "{service}"
        );
        assert!(
            index.contains(&format!("<a href=\"service-{service}.html\">")),
            "{service}"
        );
    }
    // Each decision's count is the number of findings `check` reports for it.
    for (title, count) in findings_per_adr() {
        if title.is_empty() {
            continue;
        }
        let row = index
            .lines()
            .find(|l| l.contains(&title) && l.contains("data-findings"))
            .unwrap_or_else(|| panic!("no row for {title}"));
        assert!(row.contains(&format!("data-findings=\"{count}\"")), "{row}");
    }
    // No two service boxes overlap, so no label hides another.
    let boxes = node_boxes(index);
    assert_eq!(boxes.len(), 4, "{boxes:?}");
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = a[0] + a[2] <= b[0]
                || b[0] + b[2] <= a[0]
                || a[1] + a[3] <= b[1]
                || b[1] + b[3] <= a[1];
            assert!(apart, "{a:?} overlaps {b:?}");
        }
    }
    // The snippet of a finding: the manifest line it points at, marked.
    let orders = &pages["service-orders.html"];
    assert!(
        orders.contains(
            "<span class=\"hit\"><i>26</i>stock = { package = &quot;inventory-stock&quot;"
        ),
        "{orders}"
    );
    // The same run gives the same bytes.
    let again = out_dir("shop-again");
    assert_eq!(report(&again, &[]).status.code(), Some(0));
    assert_eq!(site(&again), pages);
}

#[test]
fn trend_counts_new_remaining_and_fixed_findings() {
    let dir = out_dir("trend");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let baseline = dir.join("baseline.json");
    let recorded = archfit(
        "shop",
        &[
            "baseline",
            "--rule",
            "services-own-their-tables",
            "--output",
            baseline.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    // One more finding recorded than occurs: it counts as fixed.
    let text = std::fs::read_to_string(&baseline).expect("baseline");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let held = doc["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["count"].as_u64().expect("count"))
        .sum::<u64>();
    assert!(held > 0);
    doc["entries"][0]["count"] = (doc["entries"][0]["count"].as_u64().expect("count") + 1).into();
    std::fs::write(&baseline, doc.to_string()).expect("write");
    let site_dir = dir.join("site");
    let output = report(
        &site_dir,
        &["--baseline", baseline.to_str().expect("UTF-8")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let index = &site(&site_dir)["index.html"];
    let total: usize = findings_per_adr().values().sum();
    let new = total - held as usize;
    assert!(
        index.contains(&format!(
            "<td class=\"n\">{new}</td><td class=\"n\">{held}</td><td class=\"n\">1</td>"
        )),
        "{index}"
    );
}

#[cfg(unix)]
#[test]
fn report_never_writes_through_a_symlink() {
    let dir = out_dir("symlink");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let link = dir.join("site");
    std::os::unix::fs::symlink(&elsewhere, &link).expect("symlink");
    let output = report(&link, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("symlink"), "{}", stderr(&output));
    assert_eq!(std::fs::read_dir(&elsewhere).expect("dir").count(), 0);
    // A page that is a symlink in a real folder is refused too.
    let real = dir.join("real");
    std::fs::create_dir_all(&real).expect("mkdir");
    let target = dir.join("target.html");
    std::fs::write(&target, "mine").expect("write");
    std::os::unix::fs::symlink(&target, real.join("index.html")).expect("symlink");
    let output = report(&real, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "mine");
}

#[test]
fn graph_svg_draws_every_level() {
    for (level, node) in [
        ("service", "orders"),
        ("quantum", "orders"),
        ("crate", "orders"),
        ("module", "orders::crate"),
    ] {
        let output = archfit("shop", &["graph", "--level", level, "--format", "svg"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{level}: {}",
            stderr(&output)
        );
        let svg = stdout(&output);
        assert!(svg.starts_with("<?xml"), "{level}");
        assert!(svg.trim_end().ends_with("</svg>"), "{level}");
        assert!(svg.contains("class=\"legend\""), "{level}");
        assert!(svg.contains(&format!("data-id=\"{node}\"")), "{level}");
    }
}

/// The Chromium of the distribution, if installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs headless Chromium on `page` with `args`.
fn headless(browser: &str, profile: &Path, page: &Path, args: &[String]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

#[test]
fn shop_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        // CI installs it (.ci/run): there, a missing browser is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no Chromium is installed: the browser test cannot run"
        );
        eprintln!("skipped: no chromium, chromium-browser or google-chrome on PATH");
        return;
    };
    let dir = out_dir("browser");
    let site_dir = dir.join("site");
    let output = report(&site_dir, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let site_dir = site_dir.canonicalize().expect("site");
    let pages = site(&site_dir);
    let profile = dir.join("profile");
    for (name, page) in &pages {
        let dumped = headless(
            browser,
            &profile,
            &site_dir.join(name),
            &["--dump-dom".to_string()],
        );
        let dom = stdout(&dumped);
        assert!(dom.contains("</html>"), "{name}: {}", stderr(&dumped));
        assert_self_contained(&pages, &dom, name);
        if name == "index.html" {
            for service in ["orders", "payments", "inventory", "notifications"] {
                assert!(dom.contains(&format!("data-id=\"{service}\"")), "{service}");
            }
            for (title, count) in findings_per_adr() {
                if title.is_empty() {
                    continue;
                }
                assert!(
                    dom.lines()
                        .any(|l| l.contains(&title)
                            && l.contains(&format!("data-findings=\"{count}\""))),
                    "{title}: {count}"
                );
            }
        }
        // Chromium rendered what was written: no parse repair.
        assert_eq!(
            dom.matches("class=\"finding ").count(),
            page.matches("class=\"finding ").count(),
            "{name}"
        );
    }
    let shot = dir.join("shop.png");
    let taken = headless(
        browser,
        &profile,
        &site_dir.join("index.html"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1500".to_string(),
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{e}: {}", stderr(&taken)));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{}",
        png.len()
    );
}
