//! The vigie built-in rule pack: YARA, IOC, Sigma and log detections, with a registry of codes.
#![deny(missing_docs)]
