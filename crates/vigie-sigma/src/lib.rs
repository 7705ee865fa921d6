//! The vigie Sigma engine: parse, compile and evaluate Sigma and hayabusa rules, with correlations.
#![deny(missing_docs)]
