//! The `ruyi` binary: everything it does lives in the library
//! ([`ruyi::cli`]), so tests can reach it.

fn main() -> std::process::ExitCode {
    ruyi::cli::main()
}
