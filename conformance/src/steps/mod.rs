//! Step definitions, by area. "must" in a step is a required check, "should"
//! a recommended one (see `verdict`).

mod expiry;
mod request;
mod response;
mod tokens;
mod users;
