//! Tests of the policy engine, table-driven against docs/POLICY.md plus property tests.

mod book;
mod builder;
mod dates;
mod dibao;
mod explain;
mod figures;
mod live;
mod missing;
mod programs;
mod props;
mod report_json;
