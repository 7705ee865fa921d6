//! Output selection (`--format`, `--output`).
