//! Checked domain types: everything the hub reasons about, parsed once at the edge.
//!
//! Nothing in here does I/O. A value of one of these types is valid by construction
//! (an [`IdNumber`] has a correct check character and a real birth date, a [`Money`]
//! amount has at most two decimals and is never negative), so code that receives one
//! never re-checks it.

pub mod application;
pub mod consent;
pub mod dates;
pub mod facts;
pub mod household;
pub mod id_number;
pub mod money;
pub mod parse;
pub mod program;
pub mod region;

pub use application::{Application, Recheck, RigidExpense, TemporaryKind, TemporaryRequest};
pub use consent::Consent;
pub use dates::{YearMonth, add_months, today_in_shanghai};
pub use facts::{Agency, AgencyFacts, MemberEvidence, SourceResult, SourceStatus};
pub use household::{DisabilityType, Household, Member};
pub use id_number::IdNumber;
pub use money::{Money, round_money};
pub use program::{Area, Program};
pub use region::{RegionCode, RegionPrefix};
