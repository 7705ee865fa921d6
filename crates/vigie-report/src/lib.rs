//! Renderers for a ScanResult: terminal, JSON, JSONL (ECS), SARIF 2.1.0, CSV timeline, HTML.
#![deny(missing_docs)]
