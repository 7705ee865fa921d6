//! The `vigie` binary: parse arguments, run, print errors, exit.

use std::process::ExitCode;

fn main() -> ExitCode {
    match vigie::run(std::env::args_os()) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`vigie scan … | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vigie: {err:#}");
            ExitCode::from(2)
        }
    }
}
