//! The `carecheck` command: see `carecheck --help`.
#![forbid(unsafe_code)]

fn main() -> anyhow::Result<()> {
    carecheck::cli::main()
}
