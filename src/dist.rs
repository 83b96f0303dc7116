//! Distributions and durations as scenario files write them (SPEC 3).
//!
//! TODO: implemented by the scenario work.
