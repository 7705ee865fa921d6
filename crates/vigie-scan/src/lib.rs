//! The vigie scan engine: route records to matchers in parallel, count coverage, build the ScanResult.
#![deny(missing_docs)]
