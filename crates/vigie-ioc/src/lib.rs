//! Hash, file-name and path IOCs: signature-base iocs/ format and vigie's own.
#![deny(missing_docs)]
