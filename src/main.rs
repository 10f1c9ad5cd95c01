//! The `ruyi` binary: everything it does lives in the library
//! ([`ruyi::cli`]), so tests can reach it.

/// mimalloc rather than glibc's malloc: a re-plan builds and drops many
/// small vectors (the search's routes, the store's rows) from several
/// threads, and glibc's malloc and free took about a seventh of a simulated
/// live day's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ruyi::cli::main()
}
