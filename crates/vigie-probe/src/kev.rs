//! CISA Known Exploited Vulnerabilities (KEV): an embedded extract of the
//! Exchange entries, and the full official catalog when the user imports it.
//!
//! Order of use: `--kev FILE` → the imported copy in the data directory
//! (`$VIGIE_DATA_DIR`, else `$XDG_DATA_HOME/vigie`, else `~/.local/share/vigie`)
//! → the embedded extract.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use vigie_model::KevInfo;

const EMBEDDED: &str = include_str!("../data/kev-exchange.json");

/// Name of the imported catalog inside the data directory.
pub const KEV_FILE_NAME: &str = "kev.json";

/// One catalog entry (fields of the official schema; unknown keys are ignored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KevEntry {
    /// `CVE-YYYY-NNNN`.
    #[serde(rename = "cveID")]
    pub cve_id: String,
    /// Vendor.
    #[serde(default)]
    pub vendor_project: String,
    /// Product.
    #[serde(default)]
    pub product: String,
    /// CISA's name for the vulnerability.
    #[serde(default)]
    pub vulnerability_name: String,
    /// Date added to the catalog (YYYY-MM-DD).
    #[serde(default)]
    pub date_added: String,
    /// Short description.
    #[serde(default)]
    pub short_description: String,
    /// What federal agencies must do.
    #[serde(default)]
    pub required_action: String,
    /// Deadline for federal agencies (YYYY-MM-DD).
    #[serde(default)]
    pub due_date: String,
    /// `Known` when used in ransomware campaigns, else `Unknown`.
    #[serde(default)]
    pub known_ransomware_campaign_use: Option<String>,
    /// Notes (references).
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    catalog_version: Option<String>,
    date_released: Option<String>,
    count: Option<u64>,
    vulnerabilities: Option<Vec<serde_json::Value>>,
}

/// A loaded KEV catalog.
#[derive(Clone, Debug)]
pub struct KevCatalog {
    /// `catalogVersion` (e.g. `2025.08.25`).
    pub catalog_version: String,
    /// `dateReleased`, date part.
    pub date_released: String,
    /// Valid entries.
    pub entries: Vec<KevEntry>,
    /// Entries rejected during validation, with the reason.
    pub rejected: Vec<String>,
    /// `embedded` or the path it was loaded from.
    pub origin: String,
}

/// Why a catalog could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KevError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a KEV catalog.
    #[error(
        "{path} is not a CISA KEV catalog: {reason} — download known_exploited_vulnerabilities.json from cisa.gov and try again"
    )]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// No data directory could be determined.
    #[error("no data directory: set VIGIE_DATA_DIR or HOME")]
    NoDataDir,
}

fn valid_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn valid_cve(s: &str) -> bool {
    let mut p = s.splitn(3, '-');
    matches!((p.next(), p.next(), p.next()), (Some("CVE"), Some(y), Some(n))
        if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

impl KevCatalog {
    /// Parse and validate a catalog in the official JSON shape. Entries that
    /// break the schema are dropped and listed in `rejected`; a file without
    /// the required top-level keys, or with no valid entry, is an error.
    pub fn parse(text: &str, origin: &str) -> Result<KevCatalog, KevError> {
        let invalid = |reason: String| KevError::Invalid { path: origin.to_string(), reason };
        let raw: RawCatalog =
            serde_json::from_str(text).map_err(|e| invalid(format!("JSON error: {e}")))?;
        let version =
            raw.catalog_version.ok_or_else(|| invalid("missing `catalogVersion`".into()))?;
        let released = raw.date_released.ok_or_else(|| invalid("missing `dateReleased`".into()))?;
        let vulns =
            raw.vulnerabilities.ok_or_else(|| invalid("missing `vulnerabilities`".into()))?;
        let date = released.get(..10).unwrap_or("").to_string();
        if !valid_date(&date) {
            return Err(invalid(format!("`dateReleased` `{released}` is not a date")));
        }
        let mut entries = Vec::with_capacity(vulns.len());
        let mut rejected = Vec::new();
        for (i, v) in vulns.into_iter().enumerate() {
            match serde_json::from_value::<KevEntry>(v) {
                Ok(e) if !valid_cve(&e.cve_id) => {
                    rejected.push(format!("entry {}: bad cveID `{}`", i + 1, e.cve_id))
                }
                Ok(e) if !valid_date(&e.date_added) || !valid_date(&e.due_date) => rejected.push(
                    format!("entry {} ({}): dateAdded/dueDate not YYYY-MM-DD", i + 1, e.cve_id),
                ),
                Ok(e) => entries.push(e),
                Err(err) => rejected.push(format!("entry {}: {err}", i + 1)),
            }
        }
        if entries.is_empty() {
            return Err(invalid("no valid entry in `vulnerabilities`".into()));
        }
        if let Some(n) = raw.count
            && n as usize != entries.len() + rejected.len()
        {
            rejected.push(format!(
                "`count` says {n} but the file has {} entries",
                entries.len() + rejected.len()
            ));
        }
        Ok(KevCatalog {
            catalog_version: version,
            date_released: date,
            entries,
            rejected,
            origin: origin.to_string(),
        })
    }

    /// The embedded Exchange extract.
    pub fn embedded() -> Result<KevCatalog, KevError> {
        KevCatalog::parse(EMBEDDED, "embedded")
    }

    /// Read a catalog file.
    pub fn load(path: &Path) -> Result<KevCatalog, KevError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KevError::Io { path: path.display().to_string(), source })?;
        KevCatalog::parse(&text, &path.display().to_string())
    }

    /// The catalog to use: `explicit` if given, else the imported copy in the
    /// data directory if present, else the embedded extract.
    pub fn in_use(explicit: Option<&Path>) -> Result<KevCatalog, KevError> {
        if let Some(p) = explicit {
            return KevCatalog::load(p);
        }
        if let Some(dir) = data_dir() {
            let p = dir.join(KEV_FILE_NAME);
            if p.is_file() {
                return KevCatalog::load(&p);
            }
        }
        KevCatalog::embedded()
    }

    /// The entry for a CVE.
    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        self.entries.iter().find(|e| e.cve_id.eq_ignore_ascii_case(cve))
    }

    /// Entries about Microsoft Exchange.
    pub fn exchange_entries(&self) -> impl Iterator<Item = &KevEntry> {
        self.entries.iter().filter(|e| {
            e.vendor_project.eq_ignore_ascii_case("microsoft")
                && e.product.to_ascii_lowercase().contains("exchange")
        })
    }

    /// What goes into `ScanResult.provenance.kev`.
    pub fn info(&self) -> KevInfo {
        KevInfo {
            catalog_version: self.catalog_version.clone(),
            date_released: self.date_released.clone(),
            count: self.entries.len() as u64,
            origin: self.origin.clone(),
        }
    }
}

/// vigie's data directory: `$VIGIE_DATA_DIR`, else `$XDG_DATA_HOME/vigie`,
/// else `~/.local/share/vigie` (`%APPDATA%\vigie` on Windows).
pub fn data_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = var("VIGIE_DATA_DIR") {
        return Some(d);
    }
    if let Some(d) = var("XDG_DATA_HOME") {
        return Some(d.join("vigie"));
    }
    if cfg!(windows)
        && let Some(d) = var("APPDATA")
    {
        return Some(d.join("vigie"));
    }
    var("HOME").map(|h| h.join(".local").join("share").join("vigie"))
}

/// Validate `src` and store it as the catalog in use under `dir` (written to
/// a temporary file then renamed, so a failed import never leaves half a file).
pub fn import(src: &Path, dir: &Path) -> Result<(KevCatalog, PathBuf), KevError> {
    let text = std::fs::read_to_string(src)
        .map_err(|source| KevError::Io { path: src.display().to_string(), source })?;
    let mut cat = KevCatalog::parse(&text, &src.display().to_string())?;
    let io = |p: &Path, source| KevError::Io { path: p.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let dest = dir.join(KEV_FILE_NAME);
    let tmp = dir.join(format!(".{KEV_FILE_NAME}.tmp"));
    std::fs::write(&tmp, text.as_bytes()).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, &dest).map_err(|e| io(&dest, e))?;
    cat.origin = dest.display().to_string();
    Ok((cat, dest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_extract_is_valid_and_exchange_only() {
        let k = KevCatalog::embedded().expect("embedded KEV parses");
        assert!(k.rejected.is_empty(), "{:?}", k.rejected);
        assert_eq!(k.entries.len(), k.exchange_entries().count());
        let pl = k.get("CVE-2021-26855").expect("ProxyLogon is in KEV");
        assert_eq!(pl.due_date, "2021-04-16");
        assert_eq!(pl.known_ransomware_campaign_use.as_deref(), Some("Known"));
        assert_eq!(k.info().origin, "embedded");
    }

    #[test]
    fn embedded_extract_matches_the_catalog_and_the_cve_table() {
        let k = KevCatalog::embedded().expect("embedded KEV parses");
        assert_eq!(k.catalog_version, "2025.02.05");
        assert_eq!(k.entries.len(), 17);
        // Values copied from the catalog rows (cisagov/kev-data, 2025-02-05).
        let e = k.get("CVE-2018-8581").expect("PrivExchange is in KEV");
        assert_eq!((e.date_added.as_str(), e.due_date.as_str()), ("2022-03-03", "2022-03-17"));
        let e = k.get("CVE-2021-31196").expect("CVE-2021-31196 is in KEV");
        assert_eq!((e.date_added.as_str(), e.due_date.as_str()), ("2024-08-21", "2024-09-11"));
        let e = k.get("CVE-2022-41040").expect("ProxyNotShell is in KEV");
        assert_eq!((e.date_added.as_str(), e.due_date.as_str()), ("2022-09-30", "2022-10-21"));
        let e = k.get("CVE-2024-21410").expect("CVE-2024-21410 is in KEV");
        assert_eq!(e.known_ransomware_campaign_use.as_deref(), Some("Unknown"));
        assert!(e.required_action.starts_with("Apply mitigations per vendor instructions"));
        assert!(
            k.entries.iter().all(|e| !e.notes.as_deref().unwrap_or("").contains("vigie")),
            "no entry may carry a note of ours: every field comes from the catalog"
        );
        // Every CVE of the build table is KEV-listed and every KEV entry is in the table.
        let table = crate::BuildTable::embedded().expect("build table parses");
        let in_table: std::collections::BTreeSet<&str> =
            table.cves.iter().map(|c| c.cve.as_str()).collect();
        let in_kev: std::collections::BTreeSet<&str> =
            k.entries.iter().map(|e| e.cve_id.as_str()).collect();
        assert_eq!(in_table, in_kev);
    }

    #[test]
    fn cve_ids_are_checked() {
        assert!(valid_cve("CVE-2021-26855"));
        assert!(!valid_cve("CVE-21-26855"));
        assert!(!valid_cve("cve-2021-x"));
    }
}
