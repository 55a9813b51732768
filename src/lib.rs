//! Household economic-status verification hub.
//!
//! # Layout
//! - [`domain`]: checked types (ID numbers, money, households, consents, normalized facts); no I/O.
//! - [`adapters`]: one module per agency, turning its wire format into normalized facts.
//! - [`policy`]: the pure verdict engine of DESIGN §5.

pub mod adapters;
pub mod domain;
pub mod policy;
