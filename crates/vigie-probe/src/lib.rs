//! Safe network exposure checks: Exchange fingerprint and build, build-to-CVE table, CISA KEV.
#![deny(missing_docs)]
