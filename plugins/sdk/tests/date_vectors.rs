//! The shared date vectors (`plugins/guest/vectors/dates.json`): cases worked out by this SDK's
//! date arithmetic, which the guest libraries of other languages must reproduce exactly
//! (`plugins/guest/python/tests/test_vectors.py` checks the Python one). If two languages
//! counted working days or clipped month ends differently, the same deadline would get two
//! verdicts depending on who wrote the policy.
//!
//! The file must equal what this test generates: after a deliberate change to the SDK's
//! arithmetic, regenerate it with
//! `CARECHECK_REGENERATE_VECTORS=1 cargo test -p carecheck-sdk --features calendar-file --test date_vectors`
//! (and the other languages' tests then say whether they still agree).
//!
//! The cases are chosen for the awkward spots: every bank holiday of 2024-2027 and the days
//! around it (Good Friday, Easter Monday, substitute days), Christmas and year ends, the 29th to
//! 31st of every month, 29 February in leap and common years, deadlines running off either end
//! of the calendar, plus a deterministic spread of ordinary dates.

use carecheck_sdk::calendar_file::generated_england_and_wales;
use carecheck_sdk::dates::{
    Calendar, DateError, add_months, age_on, birthday, parse_iso_date, unix_day,
};
use carecheck_sdk::school_age::compulsory_school_age;
use chrono::{Datelike, Days, NaiveDate};
use serde_json::{Value, json};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../guest/vectors/dates.json");

/// The calendar the vectors count on: the shipped England and Wales days, 2023 to 2028, short
/// enough to run off its ends.
const FROM: &str = "2023-01-01";
const TO: &str = "2028-12-31";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A small deterministic generator (an LCG), so the spread of dates never changes by itself.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }

    fn date(&mut self, from: NaiveDate, days: u64) -> NaiveDate {
        from + Days::new(self.next(days))
    }
}

fn outcome(r: Result<NaiveDate, DateError>) -> Value {
    match r {
        Ok(d) => json!({"result": d.to_string()}),
        Err(DateError::OutsideCalendar { date, .. }) => json!({"outside": date.to_string()}),
        Err(e) => panic!("unexpected {e}"),
    }
}

fn generate() -> String {
    let from = parse_iso_date(FROM).unwrap();
    let to = parse_iso_date(TO).unwrap();
    let days: Vec<i32> = generated_england_and_wales()
        .unix_days()
        .into_iter()
        .filter(|&d| (unix_day(from)..=unix_day(to)).contains(&d))
        .collect();
    let calendar = Calendar::from_unix_days(&days, FROM, TO).unwrap();
    let mut rng = Lcg(11);

    // Start dates: around every bank holiday of 2024-2027, month ends, leap days, year ends,
    // the calendar's own ends, and a spread.
    let mut starts: Vec<NaiveDate> = Vec::new();
    for &d in &days {
        let day = NaiveDate::from_num_days_from_ce_opt(d + 719_163).unwrap();
        if (2024..=2027).contains(&day.year()) {
            for offset in -3i64..=1 {
                starts.push(day + chrono::TimeDelta::days(offset));
            }
        }
    }
    for year in 2024..=2027 {
        for month in 1..=12 {
            for day in 28..=31 {
                if let Some(d) = NaiveDate::from_ymd_opt(year, month, day) {
                    starts.push(d);
                }
            }
        }
    }
    starts.extend([
        ymd(2022, 12, 30),
        ymd(2022, 12, 31),
        ymd(2023, 1, 1),
        ymd(2023, 1, 2),
        ymd(2028, 12, 1),
        ymd(2028, 12, 22),
        ymd(2028, 12, 29),
        ymd(2028, 12, 31),
    ]);
    for _ in 0..120 {
        starts.push(rng.date(ymd(2023, 1, 1), 6 * 366));
    }
    starts.sort();
    starts.dedup();

    let mut add_working_days = Vec::new();
    let mut between = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let ns: [u32; 5] = [
            1,
            3,
            [0, 2, 5, 10, 15, 20][i % 6],
            [4, 7, 9, 20][(i / 4) % 4],
            u32::try_from(rng.next(70)).unwrap(),
        ];
        for n in ns {
            let mut case = json!({"date": start.to_string(), "n": n});
            case.as_object_mut().unwrap().extend(
                outcome(calendar.add_working_days(start, n))
                    .as_object()
                    .unwrap()
                    .clone(),
            );
            add_working_days.push(case);
        }
        for span in [0u64, 1, 3, rng.next(120)] {
            let end = start + Days::new(span);
            let mut case = json!({"from": start.to_string(), "to": end.to_string()});
            let answer = match calendar.working_days_between(start, end) {
                Ok(n) => json!({"result": n}),
                Err(DateError::OutsideCalendar { date, .. }) => {
                    json!({"outside": date.to_string()})
                }
                Err(e) => panic!("unexpected {e}"),
            };
            case.as_object_mut()
                .unwrap()
                .extend(answer.as_object().unwrap().clone());
            between.push(case);
            // And backwards, which counts nothing.
            if span > 0 {
                between
                    .push(json!({"from": end.to_string(), "to": start.to_string(), "result": 0}));
            }
        }
    }

    let mut months = Vec::new();
    let mut month_starts: Vec<NaiveDate> = Vec::new();
    for year in [2023, 2024, 2025, 2027, 2028] {
        for month in 1..=12 {
            for day in [1, 15, 28, 29, 30, 31] {
                if let Some(d) = NaiveDate::from_ymd_opt(year, month, day) {
                    month_starts.push(d);
                }
            }
        }
    }
    for _ in 0..60 {
        month_starts.push(rng.date(ymd(1999, 1, 1), 40 * 366));
    }
    for (i, &d) in month_starts.iter().enumerate() {
        for n in [
            0,
            1,
            [2, 3, 6, 11][i % 4],
            [12, 13, 24, 48][(i / 4) % 4],
            u32::try_from(rng.next(400)).unwrap(),
        ] {
            months.push(
                json!({"date": d.to_string(), "months": n, "result": add_months(d, n).to_string()}),
            );
        }
    }

    let mut ages = Vec::new();
    let mut birthdays = Vec::new();
    let mut school = Vec::new();
    let mut dobs = vec![
        ymd(2008, 2, 29),
        ymd(2012, 2, 29),
        ymd(2000, 2, 29),
        ymd(2010, 3, 1),
        ymd(2011, 2, 28),
        ymd(2009, 12, 31),
        ymd(2010, 1, 1),
        ymd(2010, 8, 31),
        ymd(2010, 9, 1),
        ymd(2010, 3, 31),
        ymd(2010, 4, 1),
    ];
    for _ in 0..60 {
        dobs.push(rng.date(ymd(1995, 1, 1), 30 * 366));
    }
    for &dob in &dobs {
        let mut ons = Vec::new();
        for years in [0u32, 1, 4, 5, 16, 17, 18, 21, 25] {
            let b = birthday(dob, years);
            birthdays
                .push(json!({"dob": dob.to_string(), "years": years, "result": b.to_string()}));
            ons.extend([b, b.pred_opt().unwrap(), b.succ_opt().unwrap()]);
        }
        for year in [2023, 2024, 2025, 2028] {
            ons.extend([ymd(year, 2, 28), ymd(year, 3, 1)]);
        }
        ons.push(ymd(2024, 2, 29));
        ons.push(dob.pred_opt().unwrap());
        ons.push(rng.date(dob, 30 * 366));
        for on in ons {
            ages.push(
                json!({"dob": dob.to_string(), "on": on.to_string(), "result": age_on(dob, on)}),
            );
        }
        let csa = compulsory_school_age(dob);
        school.push(json!({"dob": dob.to_string(), "start": csa.start.to_string(), "end": csa.end.to_string()}));
    }

    let lines = |cases: &[Value]| {
        cases
            .iter()
            .map(|c| format!("    {c}"))
            .collect::<Vec<_>>()
            .join(",\n")
    };
    format!(
        "{{\n  \"comment\": \"Generated from the Rust SDK by plugins/sdk/tests/date_vectors.rs; do not edit. Every guest library must reproduce each case.\",\n  \"calendar\": {{\"from\": \"{FROM}\", \"to\": \"{TO}\", \"non_working_days\": {}}},\n  \"add_working_days\": [\n{}\n  ],\n  \"working_days_between\": [\n{}\n  ],\n  \"add_months\": [\n{}\n  ],\n  \"age_on\": [\n{}\n  ],\n  \"birthday\": [\n{}\n  ],\n  \"compulsory_school_age\": [\n{}\n  ]\n}}\n",
        serde_json::to_string(&days).unwrap(),
        lines(&add_working_days),
        lines(&between),
        lines(&months),
        lines(&ages),
        lines(&birthdays),
        lines(&school),
    )
}

#[test]
fn the_committed_vectors_are_what_the_sdk_computes() {
    let generated = generate();
    if std::env::var_os("CARECHECK_REGENERATE_VECTORS").is_some() {
        std::fs::write(PATH, &generated).unwrap_or_else(|e| panic!("writing {PATH}: {e}"));
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_else(|e| panic!("reading {PATH}: {e}"));
    assert!(
        committed == generated,
        "{PATH} differs from what the SDK computes now: if the change is deliberate, regenerate it with CARECHECK_REGENERATE_VECTORS=1 cargo test -p carecheck-sdk --features calendar-file --test date_vectors, and make every guest library agree"
    );
}

#[test]
fn the_vectors_cover_the_awkward_cases() {
    let v: Value = serde_json::from_str(&generate()).unwrap();
    let has = |list: &str, f: &dyn Fn(&Value) -> bool| v[list].as_array().unwrap().iter().any(f);
    // Good Friday 2025 (18 Apr) and Easter Monday (21 Apr) are skipped: Wed 16 Apr + 3 = Wed 23 Apr.
    assert!(has("add_working_days", &|c| c["date"] == "2025-04-16"
        && c["n"] == 3
        && c["result"] == "2025-04-23"));
    // Counting runs off the calendar's end and says where.
    assert!(has("add_working_days", &|c| c.get("outside").is_some()));
    assert!(has("working_days_between", &|c| c.get("outside").is_some()));
    // 31 Jan 2024 + 1 month = 29 Feb 2024; 31 Jan 2025 + 1 month = 28 Feb 2025.
    assert!(has("add_months", &|c| c["date"] == "2024-01-31"
        && c["months"] == 1
        && c["result"] == "2024-02-29"));
    assert!(has("add_months", &|c| c["date"] == "2025-01-31"
        && c["months"] == 1
        && c["result"] == "2025-02-28"));
    // Born 29 Feb 2008: 0 on 28 Feb 2009, 1 on 1 Mar 2009.
    assert!(has("age_on", &|c| c["dob"] == "2008-02-29"
        && c["on"] == "2009-02-28"
        && c["result"] == 0));
    assert!(has("age_on", &|c| c["dob"] == "2008-02-29"
        && c["on"] == "2009-03-01"
        && c["result"] == 1));
    assert!(has("birthday", &|c| c["dob"] == "2008-02-29"
        && c["years"] == 18
        && c["result"] == "2026-03-01"));
}
