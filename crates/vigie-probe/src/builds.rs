//! The Exchange build table and the build → CVE verdicts.
//!
//! Data lives in `data/exchange-builds.csv` (every CU and security update with
//! its build number and release date) and `data/exchange-cves.json` (for each
//! known-exploited CVE, per product and CU, the first update that fixes it).
//! Both are embedded with `include_str!` and checked by tests.

use crate::version::Build;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use vigie_model::Severity;

const BUILDS_CSV: &str = include_str!("../data/exchange-builds.csv");
const CVES_JSON: &str = include_str!("../data/exchange-cves.json");

/// An Exchange product line (2010, 2013, 2016, 2019, Subscription Edition).
#[derive(Clone, Debug, Deserialize)]
pub struct Product {
    /// Short key used in the data files (`2016`, `SE`).
    pub key: String,
    /// Human name (`Exchange Server 2016`).
    pub name: String,
    /// `major.minor` of its builds (`15.1`).
    pub major: String,
    /// End of extended support (YYYY-MM-DD), `None` for modern lifecycle.
    pub end_of_support: Option<String>,
}

/// One row of the build table: a CU release (`update` is `None`) or an update on a CU.
#[derive(Clone, Debug)]
pub struct BuildRow {
    /// Product key.
    pub product: String,
    /// Cumulative update (`CU23`, `RTM`, `SP3` for 2010).
    pub cu: String,
    /// Security or hotfix update name (`Nov22SU`), `None` for the CU release itself.
    pub update: Option<String>,
    /// Build number.
    pub build: Build,
    /// Release date, `YYYY-MM-DD` or `YYYY-MM`.
    pub released: String,
    /// Knowledge-base article, when recorded.
    pub kb: Option<String>,
}

impl BuildRow {
    /// `2016 CU23 Nov22SU` style label.
    pub fn label(&self, table: &BuildTable) -> String {
        let name = table.product(&self.product).map(|p| p.name.as_str()).unwrap_or("Exchange");
        match &self.update {
            Some(u) => format!("{name} {} {u}", self.cu),
            None => format!("{name} {}", self.cu),
        }
    }
}

/// A known-exploited Exchange CVE and where it is fixed.
#[derive(Clone, Debug, Deserialize)]
pub struct CveInfo {
    /// CVE id.
    pub cve: String,
    /// Common name (`ProxyLogon`), may be empty.
    #[serde(default)]
    pub name: String,
    /// Short description.
    pub title: String,
    /// Severity we give an exposed server.
    pub severity: Severity,
    /// Whether the CVE is reachable from the network without local access.
    #[serde(default)]
    pub remote: bool,
    /// Whether the CVE is in CISA's KEV catalog.
    #[serde(default)]
    pub kev: bool,
    /// A mitigation that reduces exposure without fixing it.
    #[serde(default)]
    pub mitigation: Option<String>,
    /// Why a build number alone cannot settle this CVE.
    #[serde(default)]
    pub caveat: Option<String>,
    /// Product key → CU → first fixing update name, or `release`.
    pub fixes: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct CveFile {
    table_date: String,
    products: Vec<Product>,
    cves: Vec<CveInfo>,
}

/// Error in the embedded tables (a bug caught by the consistency tests).
#[derive(Debug, thiserror::Error)]
#[error("embedded Exchange build table is invalid: {0}")]
pub struct TableError(String);

/// The build table and CVE fixes, loaded once.
#[derive(Debug)]
pub struct BuildTable {
    /// Date the table was last brought up to date.
    pub table_date: String,
    /// Products.
    pub products: Vec<Product>,
    /// Every CU and update, in file order.
    pub rows: Vec<BuildRow>,
    /// CVE fixes.
    pub cves: Vec<CveInfo>,
}

/// Which product, CU and update a build is.
#[derive(Clone, Debug)]
pub struct Identification {
    /// The product, if the major.minor is known.
    pub product: Option<Product>,
    /// The CU, if the build's third number matches a known CU.
    pub cu: Option<String>,
    /// The exact table row, if this very build is in the table.
    pub row: Option<BuildRow>,
    /// Whether the revision (security-update level) is known.
    pub full: bool,
}

impl Identification {
    /// Human label: `Exchange Server 2016 CU23 Nov22SU`, `Exchange Server 2019 CU12 (update level unknown)`.
    pub fn label(&self) -> String {
        let Some(p) = &self.product else { return "unknown Exchange version".into() };
        match (&self.cu, &self.row) {
            (Some(cu), Some(row)) => match &row.update {
                Some(u) => format!("{} {cu} {u}", p.name),
                None => format!("{} {cu}", p.name),
            },
            (Some(cu), None) if !self.full => format!("{} {cu} (update level unknown)", p.name),
            (Some(cu), None) => format!("{} {cu} (build not in vigie's table)", p.name),
            (None, _) => format!("{} (unknown cumulative update)", p.name),
        }
    }
}

/// The verdict for one CVE on one build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CveState {
    /// Installed build is below the first fixed build of its CU, or its CU never got a fix.
    Vulnerable,
    /// Only the CU is known; it is vulnerable unless this update (or newer) is installed.
    VulnerableUnlessUpdated,
    /// Installed build is at or above the fix.
    Fixed,
    /// The product is not affected.
    NotAffected,
    /// Cannot be judged (unknown product or CU, or the fix is a configuration).
    Unknown,
}

/// One CVE verdict with the facts behind it.
#[derive(Clone, Debug)]
pub struct CveVerdict {
    /// The CVE.
    pub cve: CveInfo,
    /// The verdict.
    pub state: CveState,
    /// The first fixed build for the installed CU (or the CU to move to).
    pub fixed_by: Option<BuildRow>,
    /// True when the installed CU never received a fix for this CVE.
    pub cu_never_fixed: bool,
    /// Plain explanation of how the verdict was reached.
    pub reason: String,
}

static TABLE: OnceLock<Result<BuildTable, String>> = OnceLock::new();

impl BuildTable {
    /// The embedded table.
    pub fn embedded() -> Result<&'static BuildTable, TableError> {
        TABLE
            .get_or_init(|| BuildTable::parse(BUILDS_CSV, CVES_JSON))
            .as_ref()
            .map_err(|e| TableError(e.clone()))
    }

    fn parse(csv_text: &str, json_text: &str) -> Result<BuildTable, String> {
        let file: CveFile =
            serde_json::from_str(json_text).map_err(|e| format!("exchange-cves.json: {e}"))?;
        let data: String =
            csv_text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        let mut rdr = csv::Reader::from_reader(data.as_bytes());
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| format!("exchange-builds.csv record {}: {e}", i + 1))?;
            let field = |n: usize| rec.get(n).unwrap_or("").trim().to_string();
            let build: Build = field(3)
                .parse()
                .map_err(|e| format!("exchange-builds.csv record {}: {e}", i + 1))?;
            let opt = |s: String| if s.is_empty() { None } else { Some(s) };
            rows.push(BuildRow {
                product: field(0),
                cu: field(1),
                update: opt(field(2)),
                build,
                released: field(4),
                kb: opt(field(5)),
            });
        }
        Ok(BuildTable {
            table_date: file.table_date,
            products: file.products,
            rows,
            cves: file.cves,
        })
    }

    /// A product by key.
    pub fn product(&self, key: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.key == key)
    }

    /// The product a build belongs to.
    pub fn product_for(&self, b: Build) -> Option<&Product> {
        let key = match (b.major, b.minor) {
            (14, 3) => "2010",
            (15, 0) => "2013",
            (15, 1) => "2016",
            (15, 2) if b.build >= 2562 => "SE",
            (15, 2) => "2019",
            _ => return None,
        };
        self.product(key)
    }

    /// The CU releases of a product, oldest first.
    pub fn cus(&self, product: &str) -> Vec<&BuildRow> {
        let mut v: Vec<&BuildRow> =
            self.rows.iter().filter(|r| r.product == product && r.update.is_none()).collect();
        v.sort_by_key(|r| r.build);
        v
    }

    /// Position of a CU among its product's CUs (0 = oldest).
    pub fn cu_ordinal(&self, product: &str, cu: &str) -> Option<usize> {
        self.cus(product).iter().position(|r| r.cu == cu)
    }

    /// The row of an update on a CU.
    pub fn row(&self, product: &str, cu: &str, update: Option<&str>) -> Option<&BuildRow> {
        self.rows
            .iter()
            .find(|r| r.product == product && r.cu == cu && r.update.as_deref() == update)
    }

    /// Identify a build. `full` says whether the revision is known (a
    /// four-part build from a header or manifest) or not (a CU-level build
    /// from an OWA path).
    pub fn identify(&self, b: Build, full: bool) -> Identification {
        let product = self.product_for(b).cloned();
        let Some(p) = &product else {
            return Identification { product: None, cu: None, row: None, full };
        };
        // The CU is the one whose rows (release or updates) share the third number.
        let cu = self
            .rows
            .iter()
            .find(|r| r.product == p.key && r.build.build == b.build)
            .map(|r| r.cu.clone());
        let row = if full {
            self.rows.iter().find(|r| r.product == p.key && r.build == b).cloned()
        } else {
            None
        };
        Identification { product, cu, row, full }
    }

    /// Judge every CVE of the table for this identified build.
    pub fn assess(&self, b: Build, id: &Identification) -> Vec<CveVerdict> {
        self.cves.iter().map(|c| self.assess_one(c, b, id)).collect()
    }

    fn assess_one(&self, cve: &CveInfo, b: Build, id: &Identification) -> CveVerdict {
        let verdict = |state, fixed_by, never: bool, reason: String| CveVerdict {
            cve: cve.clone(),
            state,
            fixed_by,
            cu_never_fixed: never,
            reason,
        };
        let Some(p) = &id.product else {
            return verdict(
                CveState::Unknown,
                None,
                false,
                format!("build {b} is not a known Exchange version"),
            );
        };
        let Some(fixes) = cve.fixes.get(&p.key) else {
            return verdict(
                CveState::NotAffected,
                None,
                false,
                format!("{} is not affected", p.name),
            );
        };
        let Some(cu) = &id.cu else {
            return verdict(
                CveState::Unknown,
                None,
                false,
                format!("build {b} matches no known {} cumulative update", p.name),
            );
        };
        let ord = self.cu_ordinal(&p.key, cu).unwrap_or(0);
        if let Some(fix) = fixes.get(cu) {
            if fix == "release" {
                let row = self.row(&p.key, cu, None).cloned();
                return verdict(
                    CveState::Fixed,
                    row,
                    false,
                    format!("{} {cu} includes the fix", p.name),
                );
            }
            let Some(row) = self.row(&p.key, cu, Some(fix)).cloned() else {
                return verdict(
                    CveState::Unknown,
                    None,
                    false,
                    format!("table has no build for {cu} {fix}"),
                );
            };
            if !id.full {
                let reason = format!(
                    "{} {cu} is fixed only from {fix} ({}) on; the installed update level is not visible",
                    p.name, row.build
                );
                return verdict(CveState::VulnerableUnlessUpdated, Some(row), false, reason);
            }
            if b >= row.build {
                let reason =
                    format!("installed {b} ≥ first fixed build {} ({cu} {fix})", row.build);
                return self.with_caveat(cve, verdict(CveState::Fixed, Some(row), false, reason));
            }
            let reason = format!("installed {b} < first fixed build {} ({cu} {fix})", row.build);
            return verdict(CveState::Vulnerable, Some(row), false, reason);
        }
        // Not listed: fixed if a listed CU at or below this one includes the fix,
        // vulnerable (never fixed) if older than every listed CU.
        let listed: Vec<(usize, &String, &String)> = fixes
            .iter()
            .filter_map(|(c, f)| self.cu_ordinal(&p.key, c).map(|o| (o, c, f)))
            .collect();
        if let Some((_, rc, _)) = listed.iter().find(|(o, _, f)| *f == "release" && *o <= ord) {
            let row = self.row(&p.key, rc, None).cloned();
            return verdict(
                CveState::Fixed,
                row,
                false,
                format!("{} {rc} and later include the fix", p.name),
            );
        }
        if listed.iter().all(|(o, _, _)| *o > ord) {
            let target = self.remediation_target(&p.key, fixes);
            let reason = format!("{} {cu} never received a fix for {}", p.name, cve.cve);
            return verdict(CveState::Vulnerable, target, true, reason);
        }
        verdict(
            CveState::Unknown,
            None,
            false,
            format!("{cu} is newer than every CU vigie knows fixes for"),
        )
    }

    fn with_caveat(&self, cve: &CveInfo, mut v: CveVerdict) -> CveVerdict {
        if let (Some(c), CveState::Fixed) = (&cve.caveat, &v.state) {
            v.state = CveState::Unknown;
            v.reason = format!("{}; {c}", v.reason);
        }
        v
    }

    /// The update to move to when the installed CU has no fix: the newest
    /// listed CU's release or fixing update.
    fn remediation_target(
        &self,
        product: &str,
        fixes: &BTreeMap<String, String>,
    ) -> Option<BuildRow> {
        let (cu, fix) =
            fixes.iter().max_by_key(|(c, _)| self.cu_ordinal(product, c).unwrap_or(0))?;
        let update = if fix == "release" { None } else { Some(fix.as_str()) };
        self.row(product, cu, update).cloned()
    }

    /// The newest update of a CU (what "or newer" points to).
    pub fn latest_in_cu(&self, product: &str, cu: &str) -> Option<&BuildRow> {
        self.rows.iter().filter(|r| r.product == product && r.cu == cu).max_by_key(|r| r.build)
    }
}

/// Parse a `YYYY-MM-DD` or `YYYY-MM` release date into a sortable triple
/// (day 0 when only the month is known).
pub fn date_key(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = match it.next() {
        Some(d) => d.parse().ok()?,
        None => 0,
    };
    if it.next().is_some() || !(1..=12).contains(&m) || d > 31 {
        return None;
    }
    Some((y, m, d))
}

#[cfg(test)]
#[path = "builds_tests.rs"]
mod tests;
