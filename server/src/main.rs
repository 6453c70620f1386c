fn main() -> std::process::ExitCode {
    techo_server::cli::main()
}
