//! The `ruyi` binary end to end, as a user runs it: the demo and serve
//! pair, and generate / import / plan with a broken file refused whole.

mod demo;
mod events;
mod plan;
