//! The D1 child process; see `techo_tests::durability::child`.

fn main() -> std::process::ExitCode {
    techo_tests::durability::child::main(std::env::args_os().skip(1))
}
