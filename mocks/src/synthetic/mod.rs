//! Deterministic synthetic populations for load tests.
use crate::fixtures::Fixtures;
pub fn generate(_n: usize, _seed: u64) -> (Fixtures, Vec<serde_json::Value>) {
    (Fixtures::default(), Vec::new())
}
