//! The `carecheck` command: see `carecheck --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    carecheck::cli::main()
}
