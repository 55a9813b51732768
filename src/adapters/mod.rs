//! Agency adapters (being written).
