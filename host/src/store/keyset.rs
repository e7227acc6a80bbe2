//! Keyset paging over rows keyed by (authority, child id): the queries that list children, read
//! current records for a run and read a run's results all page this way (never by OFFSET, which
//! slows with depth), and [`Pager`] is the one loop that walks such pages to the end.

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

use super::Result;

/// A child's key: the authority responsible for them and the authority's id for the child.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChildKey {
    pub authority: String,
    pub child_id: String,
}

impl Keyed for ChildKey {
    fn key(&self) -> ChildKey {
        self.clone()
    }
}

impl ChildKey {
    pub fn new(authority: impl Into<String>, child_id: impl Into<String>) -> Self {
        Self {
            authority: authority.into(),
            child_id: child_id.into(),
        }
    }

    /// The key as a page cursor, `authority/child_id`.
    pub fn cursor(&self) -> String {
        format!("{}/{}", self.authority, self.child_id)
    }

    /// Parses a cursor made by [`ChildKey::cursor`]; `None` if it is not one.
    pub fn from_cursor(cursor: &str) -> Option<Self> {
        cursor
            .split_once('/')
            .map(|(authority, child_id)| Self::new(authority, child_id))
    }
}

/// Anything a keyset page is made of.
pub trait Keyed {
    fn key(&self) -> ChildKey;
}

/// A query over rows keyed by (authority, child id), built with numbered placeholders both
/// engines accept, filtered by authority and paged by key.
pub struct KeysetQuery {
    sql: String,
    binds: Vec<String>,
    /// Table alias prefix for the key columns (`"c."` or `""`).
    prefix: &'static str,
}

impl KeysetQuery {
    /// `base` is a `SELECT … WHERE 1 = 1` to which conditions are appended.
    pub fn new(base: &str, prefix: &'static str) -> Self {
        Self {
            sql: base.to_string(),
            binds: Vec::new(),
            prefix,
        }
    }

    /// Binds a value and returns its placeholder.
    pub fn bind(&mut self, value: String) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Appends a condition (`AND …` is added here).
    pub fn and(&mut self, condition: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
    }

    /// Restricts to `authorities`; returns false when the list is empty (nothing can match).
    pub fn in_authorities(&mut self, authorities: Option<&[String]>) -> bool {
        let Some(authorities) = authorities else {
            return true;
        };
        if authorities.is_empty() {
            return false;
        }
        let placeholders: Vec<String> = authorities.iter().map(|a| self.bind(a.clone())).collect();
        let p = self.prefix;
        self.and(&format!("{p}authority IN ({})", placeholders.join(", ")));
        true
    }

    /// Adds the keyset condition, the order and the limit, and runs the query.
    pub async fn fetch_page(
        mut self,
        pool: &AnyPool,
        after: Option<&ChildKey>,
        limit: i64,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let p = self.prefix;
        if let Some(key) = after {
            let pa = self.bind(key.authority.clone());
            let pc = self.bind(key.child_id.clone());
            self.and(&format!(
                "({p}authority > {pa} OR ({p}authority = {pa} AND {p}child_id > {pc}))"
            ));
        }
        self.sql.push_str(&format!(
            " ORDER BY {p}authority, {p}child_id LIMIT {}",
            limit.max(0)
        ));
        let mut query = sqlx::query(&self.sql);
        for b in &self.binds {
            query = query.bind(b.as_str());
        }
        Ok(query.fetch_all(pool).await?)
    }
}

/// Walks keyset pages to the end:
///
/// ```text
/// let mut pages = Pager::new(1000);
/// while let Some(page) = pages.next(async |after, limit| store_query(after, limit).await).await? {
///     // … each page, in key order
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Pager {
    after: Option<ChildKey>,
    limit: i64,
    done: bool,
}

impl Pager {
    pub fn new(limit: i64) -> Self {
        Self::after(None, limit)
    }

    /// Starts after `after` (a cursor from an earlier page).
    pub fn after(after: Option<ChildKey>, limit: i64) -> Self {
        Self {
            after,
            limit: limit.max(1),
            done: false,
        }
    }

    /// Fetches the next page with `fetch(after, limit)`; `None` once the last page has been seen.
    pub async fn next<T: Keyed, E>(
        &mut self,
        fetch: impl AsyncFnOnce(Option<ChildKey>, i64) -> Result<Vec<T>, E>,
    ) -> Result<Option<Vec<T>>, E> {
        if self.done {
            return Ok(None);
        }
        let page = fetch(self.after.clone(), self.limit).await?;
        self.done = (page.len() as i64) < self.limit;
        match page.last() {
            Some(last) => {
                self.after = Some(last.key());
                Ok(Some(page))
            }
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
}
