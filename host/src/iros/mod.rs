//! The IRO directory: each authority's Independent Reviewing Officers (id, name, email, working
//! hours as a fraction of full time), kept by admins, and each IRO's caseload against the IRO
//! Handbook's 50-70 children per full-time IRO.
//!
//! Why a directory at all: assignments in care records name an IRO only by id. The caseload
//! guide is per *full-time* IRO, so it needs each IRO's working hours; the 50-70 figure is a
//! setting (`iro_caseload`, the reference marks it "not re-verified") and is scaled by the
//! hours: an IRO on 0.5 of full time is within the guide at 25-35 children. An IRO who is
//! assigned children but not in the directory is reported as full time, and says so
//! (`in_directory: false`), rather than left out.
//!
//! IRO ids are each authority's own (as on tokens), so an entry is keyed by authority and id.
//! The caseload counts the children whose current record assigns them to the IRO today.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;

use crate::access::audit::{self, Actor, Outcome};
use crate::ids::{self, Kind};
use crate::problem::Problem;
use crate::records::queries;
use crate::store::{Store, StoreError, now};

/// Why a directory operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum IroError {
    #[error("the IRO entry is not valid")]
    Invalid(Vec<Problem>),
    /// No such IRO, or one of an authority the caller may not manage.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for IroError {
    fn from(e: sqlx::Error) -> Self {
        IroError::Store(e.into())
    }
}

/// The caseload guide per full-time IRO (IRO Handbook 2010: 50-70 children).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CaseloadGuide {
    /// Fewest children a full-time IRO is expected to hold.
    pub min: u32,
    /// Most children a full-time IRO should hold.
    pub max: u32,
}

impl Default for CaseloadGuide {
    fn default() -> Self {
        Self { min: 50, max: 70 }
    }
}

/// One IRO as the directory holds them.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Iro {
    pub authority: String,
    pub iro_id: String,
    pub name: String,
    pub email: String,
    /// Working hours as a fraction of full time (above 0, at most 1).
    pub working_hours: f64,
    pub updated_at: String,
}

/// What an admin sends to add or change an IRO.
#[derive(Debug, Clone, PartialEq)]
pub struct IroFields {
    pub authority: String,
    pub name: String,
    pub email: String,
    pub working_hours: f64,
}

/// Where an IRO's caseload stands against the guide scaled by their hours.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Caseload {
    /// Children currently assigned.
    pub children: i64,
    /// The hours the range is scaled by (1 when the IRO is not in the directory).
    pub working_hours: f64,
    pub in_directory: bool,
    /// The guide scaled by the hours, rounded to whole children.
    pub expected_min: i64,
    pub expected_max: i64,
    /// `below`, `within` or `above` the scaled range.
    pub against_guide: String,
}

impl Caseload {
    pub fn new(children: i64, working_hours: Option<f64>, guide: CaseloadGuide) -> Self {
        let hours = working_hours.unwrap_or(1.0);
        let expected_min = (f64::from(guide.min) * hours).round() as i64;
        let expected_max = (f64::from(guide.max) * hours).round() as i64;
        let against_guide = if children < expected_min {
            "below"
        } else if children > expected_max {
            "above"
        } else {
            "within"
        };
        Self {
            children,
            working_hours: hours,
            in_directory: working_hours.is_some(),
            expected_min,
            expected_max,
            against_guide: against_guide.into(),
        }
    }
}

/// An IRO with their caseload, as the admin listing shows them.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct IroWithCaseload {
    pub authority: String,
    pub iro_id: String,
    /// `None` for an IRO assigned children but not in the directory.
    pub name: Option<String>,
    pub email: Option<String>,
    pub caseload: Caseload,
}

const MAX_NAME: usize = 200;
const MAX_EMAIL: usize = 254;

/// Checks a request body for `PUT /iros/{iro}`: every problem, located by JSON pointer.
/// `default_authority` stands in when the body names none (an admin scoped to one authority).
pub fn parse_fields(
    body: &Value,
    default_authority: Option<&str>,
) -> Result<IroFields, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(object) = body.as_object() else {
        return Err(vec![Problem::new("", "the body must be a JSON object")]);
    };
    for key in object.keys() {
        if !["authority", "name", "email", "working_hours"].contains(&key.as_str()) {
            problems.push(Problem::new(
                format!("/{key}"),
                "unknown field: the fields are authority, name, email and working_hours",
            ));
        }
    }
    let text = |key: &str, problems: &mut Vec<Problem>| -> Option<String> {
        match object.get(key) {
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(_) => {
                problems.push(Problem::new(format!("/{key}"), "must be a string"));
                None
            }
            None => None,
        }
    };
    let authority = match text("authority", &mut problems).or(default_authority.map(str::to_string))
    {
        Some(a) => match ids::check(Kind::Authority, &a) {
            Ok(()) => Some(a),
            Err(why) => {
                problems.push(Problem::new("/authority", why));
                None
            }
        },
        None => {
            if !object.contains_key("authority") {
                problems.push(Problem::new(
                    "/authority",
                    "required: the authority the IRO works for (IRO ids are each authority's own)",
                ));
            }
            None
        }
    };
    let name = match text("name", &mut problems) {
        Some(n) if n.is_empty() => {
            problems.push(Problem::new("/name", "must not be blank"));
            None
        }
        Some(n) if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) => {
            problems.push(Problem::new(
                "/name",
                format!("must be at most {MAX_NAME} characters, with no control characters"),
            ));
            None
        }
        Some(n) => Some(n),
        None => {
            if !object.contains_key("name") {
                problems.push(Problem::new("/name", "required: the IRO's name"));
            }
            None
        }
    };
    let email = match text("email", &mut problems) {
        Some(e) if valid_email(&e) => Some(e),
        Some(_) => {
            problems.push(Problem::new(
                "/email",
                format!(
                    "must be an email address: one '@' between a name and a domain with a dot, no spaces, at most {MAX_EMAIL} characters"
                ),
            ));
            None
        }
        None => {
            if !object.contains_key("email") {
                problems.push(Problem::new("/email", "required: the IRO's email address"));
            }
            None
        }
    };
    let working_hours = match object.get("working_hours") {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(h) if h > 0.0 && h <= 1.0 => Some(h),
            _ => {
                problems.push(Problem::new(
                    "/working_hours",
                    "must be a fraction of full time above 0 and at most 1 (0.5 for half time)",
                ));
                None
            }
        },
        Some(_) => {
            problems.push(Problem::new(
                "/working_hours",
                "must be a number: the fraction of full time (1 for full time)",
            ));
            None
        }
        None => {
            problems.push(Problem::new(
                "/working_hours",
                "required: working hours as a fraction of full time (1 for full time)",
            ));
            None
        }
    };
    match (authority, name, email, working_hours) {
        (Some(authority), Some(name), Some(email), Some(working_hours)) if problems.is_empty() => {
            Ok(IroFields {
                authority,
                name,
                email,
                working_hours,
            })
        }
        _ => Err(problems),
    }
}

/// An address's shape only (whether it reaches anyone is for the mail server to say).
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn iro_from_row(r: &sqlx::any::AnyRow) -> Result<Iro, StoreError> {
    Ok(Iro {
        authority: r.try_get(0)?,
        iro_id: r.try_get(1)?,
        name: r.try_get(2)?,
        email: r.try_get(3)?,
        working_hours: r.try_get(4)?,
        updated_at: r.try_get(5)?,
    })
}

const COLUMNS: &str = "authority, iro_id, name, email, working_hours, updated_at";

/// Adds or replaces an IRO's entry, audited in the same transaction; `true` when it was new.
pub async fn set(
    store: &Store,
    iro_id: &str,
    fields: &IroFields,
    actor: &Actor,
) -> Result<(Iro, bool), IroError> {
    ids::check(Kind::Iro, iro_id).map_err(|why| IroError::Invalid(vec![Problem::new("", why)]))?;
    let mut tx = store.begin_write().await?;
    let existed = sqlx::query("SELECT COUNT(*) FROM iros WHERE authority = $1 AND iro_id = $2")
        .bind(&fields.authority)
        .bind(iro_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?
        > 0;
    let at = now();
    sqlx::query(
        "INSERT INTO iros (authority, iro_id, name, email, working_hours, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (authority, iro_id) DO UPDATE SET \
         name = excluded.name, email = excluded.email, working_hours = excluded.working_hours, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&fields.authority)
    .bind(iro_id)
    .bind(&fields.name)
    .bind(&fields.email)
    .bind(fields.working_hours)
    .bind(&at)
    .bind(&actor.id)
    .execute(&mut *tx)
    .await?;
    let outcome = if existed {
        Outcome::Updated
    } else {
        Outcome::Created
    };
    audit::insert(
        &mut tx,
        &[actor.entry("iro_set", Some(&fields.authority), None, outcome)],
    )
    .await?;
    tx.commit().await?;
    Ok((
        Iro {
            authority: fields.authority.clone(),
            iro_id: iro_id.to_string(),
            name: fields.name.clone(),
            email: fields.email.clone(),
            working_hours: fields.working_hours,
            updated_at: at,
        },
        !existed,
    ))
}

/// One IRO's entry.
pub async fn get(store: &Store, authority: &str, iro_id: &str) -> Result<Option<Iro>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM iros WHERE authority = $1 AND iro_id = $2"
    ))
    .bind(authority)
    .bind(iro_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| iro_from_row(&r)).transpose()
}

/// Every entry in `authorities` (`None`: all), by authority then id.
pub async fn list(store: &Store, authorities: Option<&[String]>) -> Result<Vec<Iro>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM iros ORDER BY authority, iro_id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut iros = Vec::new();
    for r in &rows {
        let iro = iro_from_row(r)?;
        if authorities.is_none_or(|list| list.contains(&iro.authority)) {
            iros.push(iro);
        }
    }
    Ok(iros)
}

/// One IRO's caseload today.
pub async fn caseload(
    store: &Store,
    authority: &str,
    iro_id: &str,
    today: NaiveDate,
    guide: CaseloadGuide,
) -> Result<Caseload, StoreError> {
    let children = queries::caseloads(store, Some(&[authority.to_string()]), today)
        .await?
        .into_iter()
        .find(|(a, i, _)| a == authority && i == iro_id)
        .map_or(0, |(_, _, n)| n);
    let hours = get(store, authority, iro_id)
        .await?
        .map(|i| i.working_hours);
    Ok(Caseload::new(children, hours, guide))
}

/// Every IRO in the directory or assigned children in `authorities`, with their caseloads.
pub async fn with_caseloads(
    store: &Store,
    authorities: Option<&[String]>,
    today: NaiveDate,
    guide: CaseloadGuide,
) -> Result<Vec<IroWithCaseload>, StoreError> {
    let directory = list(store, authorities).await?;
    let counts = queries::caseloads(store, authorities, today).await?;
    let mut out: Vec<IroWithCaseload> = directory
        .iter()
        .map(|iro| {
            let children = counts
                .iter()
                .find(|(a, i, _)| *a == iro.authority && *i == iro.iro_id)
                .map_or(0, |(_, _, n)| *n);
            IroWithCaseload {
                authority: iro.authority.clone(),
                iro_id: iro.iro_id.clone(),
                name: Some(iro.name.clone()),
                email: Some(iro.email.clone()),
                caseload: Caseload::new(children, Some(iro.working_hours), guide),
            }
        })
        .collect();
    for (authority, iro_id, children) in counts {
        if !directory
            .iter()
            .any(|i| i.authority == authority && i.iro_id == iro_id)
        {
            out.push(IroWithCaseload {
                authority,
                iro_id,
                name: None,
                email: None,
                caseload: Caseload::new(children, None, guide),
            });
        }
    }
    out.sort_by(|a, b| (&a.authority, &a.iro_id).cmp(&(&b.authority, &b.iro_id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_guide_is_scaled_by_working_hours() {
        let guide = CaseloadGuide::default();
        // Full time: 50-70; 63 children is within, 71 above, 49 below.
        assert_eq!(Caseload::new(63, Some(1.0), guide).against_guide, "within");
        assert_eq!(Caseload::new(71, Some(1.0), guide).against_guide, "above");
        assert_eq!(Caseload::new(49, Some(1.0), guide).against_guide, "below");
        // Half time: 25-35, so 36 children is above the guide.
        let half = Caseload::new(36, Some(0.5), guide);
        assert_eq!((half.expected_min, half.expected_max), (25, 35));
        assert_eq!(half.against_guide, "above");
        // 0.8 of full time: 40-56. Not in the directory: full time, and said so.
        let part = Caseload::new(56, Some(0.8), guide);
        assert_eq!(
            (
                part.expected_min,
                part.expected_max,
                part.against_guide.as_str()
            ),
            (40, 56, "within")
        );
        let unknown = Caseload::new(60, None, guide);
        assert!(!unknown.in_directory);
        assert_eq!((unknown.expected_min, unknown.expected_max), (50, 70));
    }

    #[test]
    fn every_bad_field_is_reported_by_pointer() {
        let bad =
            json!({"name": " ", "email": "not an address", "working_hours": 1.5, "colour": "red"});
        let problems = parse_fields(&bad, None).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/colour", "/authority", "/name", "/email", "/working_hours"]
        );
        for hours in [json!(0), json!(-0.5), json!("1"), json!(null)] {
            let body =
                json!({"authority": "E1", "name": "A", "email": "a@b.uk", "working_hours": hours});
            let problems = parse_fields(&body, None).unwrap_err();
            assert_eq!(problems[0].path, "/working_hours", "{hours}");
        }
        let good =
            json!({"name": "Ann Ashdown", "email": "ann@example.gov.uk", "working_hours": 0.6});
        assert_eq!(
            parse_fields(&good, Some("E10000001")).unwrap(),
            IroFields {
                authority: "E10000001".into(),
                name: "Ann Ashdown".into(),
                email: "ann@example.gov.uk".into(),
                working_hours: 0.6
            }
        );
        for email in ["a@b", "@b.uk", "a@@b.uk", "a b@c.uk", "a@.uk", "a@b.uk."] {
            assert!(!valid_email(email), "{email}");
        }
    }
}
