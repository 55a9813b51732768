//! Mock agencies (placeholder while the crate is written).
