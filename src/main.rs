//! The `ruyi` binary: everything it does lives in the library
//! ([`ruyi::cli`]), so tests can reach it.

/// mimalloc rather than glibc's malloc: planning allocates and frees many
/// small vectors per re-plan, from several threads (see `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ruyi::cli::main()
}
