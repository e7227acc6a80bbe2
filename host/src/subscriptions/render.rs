//! How a report looks: HTML that renders in email clients (inline styles only; the chart as an
//! attached PNG in email, as inline SVG on the web, and always a table of its figures under it),
//! CSV and JSON. Every file is stored byte for byte with its sha256, so a download, an email
//! attachment, a webhook body and an outbox file are the same bytes.

use std::sync::OnceLock;

use minijinja::{Environment, context};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::annex_a::List;
use super::content::{BoardReport, Digest};
use super::queries::ReportFile;

/// What a report holds, by audience. One is made per report and rendered at once, never kept
/// in a collection, so its largest variant's size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Content {
    /// A board's report, or an inspector's with the Annex A lists.
    Board {
        report: BoardReport,
        lists: Option<(List, List)>,
    },
    Digest(Digest),
}

pub const HTML: &str = "report.html";
pub const EMAIL_HTML: &str = "email.html";
pub const CSV: &str = "report.csv";
pub const JSON: &str = "report.json";
pub const CHART: &str = "chart.png";
pub const LIST_8: &str = "annex-a-list-8.csv";
pub const LIST_9: &str = "annex-a-list-9.csv";

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("board.html", include_str!("templates/board.html"))
            .expect("the board template parses");
        env.add_template("digest.html", include_str!("templates/digest.html"))
            .expect("the digest template parses");
        env
    })
}

pub fn file(name: &str, media_type: &str, body: Vec<u8>) -> ReportFile {
    ReportFile {
        name: name.into(),
        media_type: media_type.into(),
        sha256: hex::encode(Sha256::digest(&body)),
        body,
    }
}

/// Every file of a report: HTML for the web and for email, CSV, JSON, and for board and
/// inspector reports the chart and (inspectors) the Annex A lists.
pub fn render(content: &Content) -> Result<Vec<ReportFile>, minijinja::Error> {
    let env = templates();
    let mut files = Vec::new();
    match content {
        Content::Board { report, lists } => {
            let chart = Chart::of(report);
            let list_notes: Option<Vec<_>> = lists.as_ref().map(|(l8, l9)| {
                [l8, l9]
                    .iter()
                    .map(|l| {
                        context! { name => l.name, rows => l.rows.len(), empty => l.empty_columns() }
                    })
                    .collect()
            });
            let template = env.get_template("board.html")?;
            for (name, email) in [(HTML, false), (EMAIL_HTML, true)] {
                let html = template.render(context! {
                    r => report, chart => &chart, email => email, lists => &list_notes,
                })?;
                files.push(file(name, "text/html; charset=utf-8", html.into_bytes()));
            }
            files.push(file(CHART, "image/png", chart.png()));
            files.push(file(CSV, "text/csv; charset=utf-8", board_csv(report)));
            let json = match lists {
                Some((l8, l9)) => serde_json::json!({"report": report, "list_8": l8, "list_9": l9}),
                None => serde_json::json!({"report": report}),
            };
            files.push(file(
                JSON,
                "application/json",
                serde_json::to_vec_pretty(&json).expect("reports serialise"),
            ));
            if let Some((l8, l9)) = lists {
                files.push(file(LIST_8, "text/csv; charset=utf-8", l8.csv()));
                files.push(file(LIST_9, "text/csv; charset=utf-8", l9.csv()));
            }
        }
        Content::Digest(digest) => {
            let html = env
                .get_template("digest.html")?
                .render(context! { d => digest })?;
            files.push(file(
                HTML,
                "text/html; charset=utf-8",
                html.clone().into_bytes(),
            ));
            files.push(file(
                EMAIL_HTML,
                "text/html; charset=utf-8",
                html.into_bytes(),
            ));
            files.push(file(CSV, "text/csv; charset=utf-8", digest_csv(digest)));
            files.push(file(
                JSON,
                "application/json",
                serde_json::to_vec_pretty(&serde_json::json!({ "digest": digest }))
                    .expect("digests serialise"),
            ));
        }
    }
    Ok(files)
}

fn csv_bytes(rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|v| super::annex_a::defuse(v)))
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The board figures as one long table: section, item, value, of, percent.
fn board_csv(r: &BoardReport) -> Vec<u8> {
    let mut rows = vec![vec![
        "section".to_string(),
        "item".into(),
        "value".into(),
        "of".into(),
        "percent".into(),
    ]];
    let mut row = |section: &str, item: &str, value: String, of: String, percent: String| {
        rows.push(vec![section.into(), item.into(), value, of, percent]);
    };
    row(
        "report",
        "children",
        r.children.text(),
        String::new(),
        String::new(),
    );
    for k in &r.kpis {
        row(
            "key figures",
            k.label,
            k.count.text(),
            k.of.text(),
            k.percent.map(|p| p.to_string()).unwrap_or_default(),
        );
        if let Some(average) = k.average {
            row(
                "key figures",
                "SDQ average score",
                average.to_string(),
                String::new(),
                String::new(),
            );
        }
    }
    for t in &r.trend {
        row(
            "trend: breaches",
            &format!("{} to before {}", t.from, t.to),
            t.breaches.text(),
            String::new(),
            String::new(),
        );
    }
    for (section, table) in [
        ("by policy", &r.by_policy),
        ("by authority", &r.by_authority),
        ("by IRO", &r.by_iro),
    ] {
        for x in &table.rows {
            row(
                &format!("{section}: breaches"),
                &x.label,
                x.breaches.text(),
                String::new(),
                String::new(),
            );
            row(
                &format!("{section}: concerns"),
                &x.label,
                x.concerns.text(),
                String::new(),
                String::new(),
            );
        }
        row(
            &format!("{section}: breaches"),
            "total",
            table.total_breaches.text(),
            String::new(),
            String::new(),
        );
        row(
            &format!("{section}: concerns"),
            "total",
            table.total_concerns.text(),
            String::new(),
            String::new(),
        );
    }
    for b in &r.unresolved {
        row(
            "unresolved breaches",
            b.label,
            b.count.text(),
            String::new(),
            String::new(),
        );
    }
    for l in &r.caseloads.per_iro {
        row(
            "IRO caseloads",
            &l.iro,
            l.children.text(),
            String::new(),
            l.band.into(),
        );
    }
    csv_bytes(rows)
}

fn digest_csv(d: &Digest) -> Vec<u8> {
    let mut rows = vec![
        [
            "iro",
            "authority",
            "child_id",
            "review_due",
            "review_status",
            "checklist",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for i in &d.iros {
        for c in &i.children {
            rows.push(vec![
                i.iro.clone(),
                c.authority.clone(),
                c.child_id.clone(),
                c.review_due.to_string(),
                c.review_status.into(),
                c.summary
                    .iter()
                    .map(|(s, n)| format!("{s} {n}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]);
        }
    }
    csv_bytes(rows)
}

/// The trend chart's geometry, drawn as SVG by the template and as PNG here.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub baseline: u32,
    pub bars: Vec<Bar>,
    pub alt: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub fill: &'static str,
    pub label: String,
    pub value: String,
}

const BLUE: [u8; 3] = [0x1d, 0x70, 0xb8];
const GREY: [u8; 3] = [0xb1, 0xb4, 0xb6];

impl Chart {
    /// One bar per period, oldest first; a suppressed count is a short grey bar.
    pub fn of(r: &BoardReport) -> Chart {
        let (width, height, top, baseline) = (480u32, 160u32, 10u32, 150u32);
        let n = r.trend.len().max(1) as u32;
        let slot = width / n;
        let max = r
            .trend
            .iter()
            .filter_map(|t| t.breaches.shown())
            .max()
            .unwrap_or(0)
            .max(1);
        let bars = r
            .trend
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (h, fill) = match t.breaches.shown() {
                    Some(v) => (((baseline - top) as u64 * v / max) as u32, "#1d70b8"),
                    None => (6, "#b1b4b6"),
                };
                Bar {
                    x: i as u32 * slot + slot / 6,
                    y: baseline - h,
                    w: slot * 2 / 3,
                    h,
                    fill,
                    label: format!("from {}", t.from),
                    value: t.breaches.text(),
                }
            })
            .collect();
        let alt = format!(
            "Breaches per period, oldest first: {}",
            r.trend
                .iter()
                .map(|t| format!("from {}: {}", t.from, t.breaches.text()))
                .collect::<Vec<_>>()
                .join("; ")
        );
        Chart {
            width,
            height,
            baseline,
            bars,
            alt,
        }
    }

    /// The same bars as an RGB PNG (white ground, grey baseline).
    pub fn png(&self) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut pixels = vec![0xffu8; w * h * 3];
        let mut fill = |x0: u32, y0: u32, x1: u32, y1: u32, colour: [u8; 3]| {
            for y in y0.min(h as u32)..y1.min(h as u32) {
                for x in x0.min(w as u32)..x1.min(w as u32) {
                    let i = (y as usize * w + x as usize) * 3;
                    pixels[i..i + 3].copy_from_slice(&colour);
                }
            }
        };
        for b in &self.bars {
            let colour = if b.fill == "#1d70b8" { BLUE } else { GREY };
            fill(b.x, b.y, b.x + b.w, b.y + b.h, colour);
        }
        fill(0, self.baseline, self.width, self.baseline + 2, GREY);
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().expect("writing to memory");
            writer.write_image_data(&pixels).expect("writing to memory");
        }
        out
    }
}
