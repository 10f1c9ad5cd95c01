//! The `ruyi` binary end to end, as a user runs it: the demo and serve
//! pair, generate / import / plan with a broken file refused whole, and
//! settings checked at start-up.

mod demo;
mod events;
mod plan;
mod settings;
