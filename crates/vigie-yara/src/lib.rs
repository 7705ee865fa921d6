//! YARA scanning through yara-x: built-in and external rule sets, per-file external variables, compiled-rule cache.
#![deny(missing_docs)]
