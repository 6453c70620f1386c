//! Kept out of `techo-ffi` so the generator's dependencies never link into the shipped library.
//!
//!   uniffi-bindgen generate --library <libtecho_ffi.so> --out-dir <dir> [--language kotlin|swift|python]...
//!
//! Every language when none is named. `--no-format` is accepted and is what happens anyway.

use std::process::ExitCode;
use techo_bindgen::Language;

const USAGE: &str =
    "usage: uniffi-bindgen generate --library <libtecho_ffi.so> --out-dir <dir> [--language kotlin|swift|python]...";

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("uniffi-bindgen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    if args.next().as_deref() != Some("generate") {
        return Err(USAGE.into());
    }
    let (mut library, mut out_dir, mut languages) = (None, None, Vec::new());
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--library" => library = Some(value()?),
            "--out-dir" => out_dir = Some(value()?),
            "--language" => languages.push(Language::named(&value()?).ok_or_else(|| USAGE.to_string())?),
            "--no-format" => {}
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    let (Some(library), Some(out_dir)) = (library, out_dir) else { return Err(USAGE.into()) };
    if languages.is_empty() {
        languages = Language::ALL.to_vec();
    }
    techo_bindgen::generate(library.as_ref(), out_dir.as_ref(), &languages).map_err(|e| e.to_string())
}
