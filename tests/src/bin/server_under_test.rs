//! The `techo-server` program, built inside this crate so process-level tests (SIGKILL of the
//! server) can find it through `CARGO_BIN_EXE_server_under_test`.

fn main() -> std::process::ExitCode {
    techo_server::cli::main()
}
