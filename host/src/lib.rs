//! carecheck: checks looked-after children's care plans in England against the law and good
//! practice. This crate builds the service and the `carecheck` command; [`app`] is the one router
//! factory the binary and the tests both use.
//!
//! One folder per domain, each owning its queries, services and typed errors:
//! [`records`] (validation, the one write path, reads), [`runs`] (the run engine, the decision log,
//! replay), [`access`] (tokens, roles, the audit writer), [`plugins`] (the sandbox, packs, stored
//! plugins, per-authority policy sets), [`regulators`] (regulators and their signing keys),
//! [`catalog`] (regulators' published plugins and where they run), [`imports`], [`reports`],
//! [`retention`], [`subscriptions`] (scheduled reports and their delivery) and [`demo`]. [`store`] holds only what they share (the pool,
//! migrations, transactions, keyset paging). [`http`] and [`cli`] sit on top: they parse,
//! authorise, call a domain service and map its error.
#![forbid(unsafe_code)]

pub mod access;
pub mod catalog;
pub mod checklist;
pub mod cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod ids;
pub mod imports;
pub mod iros;
pub mod parallel;
pub mod plugins;
pub mod problem;
pub mod records;
pub mod regulators;
pub mod reports;
pub mod retention;
pub mod runs;
pub mod store;
pub mod subscriptions;
pub mod telemetry;

pub use http::{AppState, app};
