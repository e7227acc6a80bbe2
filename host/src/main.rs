//! The `carecheck` command: see `carecheck --help`.
#![forbid(unsafe_code)]

/// mimalloc rather than the system allocator: an import or a run allocates and frees millions of
/// small strings and JSON nodes across threads. Measured side by side on the shared SSDA903 set,
/// it took an import from 0.46 to 0.40 s and `check` from 1.30 to 1.21 s (10 % less CPU). Its
/// transparent huge pages are off (`no_thp`): zeroing fresh 2 MiB pages was a third of an
/// import's samples and added 40 MiB of peak memory, for no gain in time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    carecheck::cli::main()
}
