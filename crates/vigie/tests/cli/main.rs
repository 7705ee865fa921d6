//! CLI tests: one binary, one module per subcommand. Each runs the real
//! `vigie` binary and asserts its exit code and output.

mod demo;
mod hostile;
mod probe;
mod report;
mod support;
