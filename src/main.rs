//! The `sanaw` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    sanaw::cli::main()
}
