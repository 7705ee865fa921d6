//! Walk inputs, sniff formats by content, and read files, EVTX, JSON events and text logs as records.
#![deny(missing_docs)]
