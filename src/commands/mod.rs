//! The commands other than `check`: `explain` and `adr`, `init`, `metrics`, `report`.
//! Each reuses the engine (the model stage, the run) and hands plain data to
//! `report/`, which renders it.

pub mod explain;
pub mod init;
pub mod metrics;
pub mod report;
