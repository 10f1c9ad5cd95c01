//! Re-runs the build when a migration changes, because `sqlx::migrate!`
//! embeds the SQL files at compile time and cargo would not notice otherwise.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
