use super::*;
use std::collections::BTreeSet;

fn table() -> &'static BuildTable {
    BuildTable::embedded().expect("embedded build table parses")
}

fn b(s: &str) -> Build {
    s.parse().expect("test build")
}

#[test]
fn every_row_belongs_to_a_known_product_and_cu() {
    let t = table();
    assert!(t.rows.len() > 300, "only {} rows", t.rows.len());
    let mut seen = BTreeSet::new();
    for r in &t.rows {
        let p = t.product(&r.product).unwrap_or_else(|| panic!("unknown product in {r:?}"));
        assert_eq!(format!("{}.{}", r.build.major, r.build.minor), p.major, "{r:?}");
        assert_eq!(t.product_for(r.build).map(|x| x.key.as_str()), Some(p.key.as_str()), "{r:?}");
        assert!(t.row(&r.product, &r.cu, None).is_some(), "update without its CU: {r:?}");
        assert!(date_key(&r.released).is_some(), "bad date in {r:?}");
        assert!(seen.insert((r.product.clone(), r.build)), "duplicate build {r:?}");
    }
}

#[test]
fn versions_increase_with_dates() {
    let t = table();
    for p in &t.products {
        let cus = t.cus(&p.key);
        for w in cus.windows(2) {
            assert!(w[0].build < w[1].build, "{w:?}");
            assert!(date_key(&w[0].released) < date_key(&w[1].released), "{w:?}");
        }
        for cu in &cus {
            let mut ups: Vec<&BuildRow> =
                t.rows.iter().filter(|r| r.product == p.key && r.cu == cu.cu).collect();
            ups.sort_by_key(|r| r.build);
            assert_eq!(ups[0].update, None, "CU release must be the lowest build of {}", cu.cu);
            for w in ups.windows(2) {
                let (a, c) = (date_key(&w[0].released), date_key(&w[1].released));
                let (a, c) = (a.expect("date"), c.expect("date"));
                // Month-only dates compare at month precision.
                let ok = if a.2 == 0 || c.2 == 0 { (a.0, a.1) <= (c.0, c.1) } else { a < c };
                assert!(ok, "{} {}: dates do not follow builds: {w:?}", p.key, cu.cu);
                if p.key != "2010" {
                    assert_eq!(w[1].build.build, cu.build.build, "SU of another CU: {w:?}");
                }
            }
        }
    }
}

#[test]
fn cve_fixes_are_consistent_and_monotone() {
    let t = table();
    assert_eq!(t.cves.len(), 17);
    for c in &t.cves {
        assert!(c.kev, "{} should be KEV-listed", c.cve);
        for (pk, fixes) in &c.fixes {
            let mut listed: Vec<(usize, &String, &String)> = fixes
                .iter()
                .map(|(cu, f)| {
                    let o = t
                        .cu_ordinal(pk, cu)
                        .unwrap_or_else(|| panic!("{} {pk} {cu}: unknown CU", c.cve));
                    (o, cu, f)
                })
                .collect();
            listed.sort();
            let mut last_build = None;
            let mut last_date = None;
            for (i, (_, cu, f)) in listed.iter().enumerate() {
                let up = if *f == "release" { None } else { Some(f.as_str()) };
                let row = t
                    .row(pk, cu, up)
                    .unwrap_or_else(|| panic!("{} {pk} {cu} {f}: not in table", c.cve));
                if *f == "release" {
                    assert_eq!(
                        i,
                        listed.len() - 1,
                        "{} {pk}: `release` must be the newest listed CU",
                        c.cve
                    );
                    // A CU that includes the fix comes out after the fix.
                    if let Some(d) = last_date {
                        assert!(date_key(&row.released) >= Some(d), "{} {pk} {cu}", c.cve);
                    }
                }
                assert!(
                    last_build.is_none_or(|lb| row.build > lb),
                    "{} {pk}: fixed builds not increasing",
                    c.cve
                );
                last_build = Some(row.build);
                last_date = date_key(&row.released).or(last_date);
            }
        }
    }
}

#[test]
fn reference_fixed_builds() {
    let t = table();
    let fixed = |cve: &str, build: &str| {
        let bb = b(build);
        let id = t.identify(bb, true);
        let v = t.assess(bb, &id);
        v.into_iter().find(|x| x.cve.cve == cve).map(|x| (x.state, x.fixed_by.map(|r| r.build)))
    };
    // ProxyLogon fixed builds from the reference (§4.1).
    for (build, cve) in [
        ("15.2.792.10", "CVE-2021-26855"),
        ("15.1.2176.9", "CVE-2021-26855"),
        ("15.0.1497.12", "CVE-2021-26855"),
    ] {
        assert_eq!(fixed(cve, build).map(|x| x.0), Some(CveState::Fixed), "{build}");
    }
    // ProxyNotShell: 2019 CU12 Apr/May22 → vulnerable, fixed by 15.2.1118.20.
    assert_eq!(
        fixed("CVE-2022-41040", "15.2.1118.9"),
        Some((CveState::Vulnerable, Some(b("15.2.1118.20"))))
    );
    // 2013 CU23 Dec20SU: ProxyLogon vulnerable until 15.0.1497.12.
    assert_eq!(
        fixed("CVE-2021-26855", "15.0.1497.10"),
        Some((CveState::Vulnerable, Some(b("15.0.1497.12"))))
    );
    // 2016 CU18 never got ProxyShell fixes: vulnerable, move to CU21.
    let v = fixed("CVE-2021-34473", "15.1.2106.13").expect("verdict");
    assert_eq!(v, (CveState::Vulnerable, Some(b("15.1.2308.8"))));
    // Exchange 2010 is not affected by ProxyShell, but is by CVE-2021-26857 until RU32.
    assert_eq!(fixed("CVE-2021-34473", "14.3.509.0").map(|x| x.0), Some(CveState::NotAffected));
    assert_eq!(fixed("CVE-2021-26857", "14.3.509.0").map(|x| x.0), Some(CveState::Vulnerable));
    // Subscription Edition is affected by none.
    assert!(
        t.assess(b("15.2.2562.17"), &t.identify(b("15.2.2562.17"), true))
            .iter()
            .all(|v| v.state == CveState::NotAffected)
    );
    // Extended Protection caveat: 2016 CU23 at Nov22SU is "unknown" for CVE-2024-21410.
    assert_eq!(fixed("CVE-2024-21410", "15.1.2507.16").map(|x| x.0), Some(CveState::Unknown));
}

#[test]
fn cu_only_builds_are_not_confirmed() {
    let t = table();
    let (bb, full) = Build::parse_partial("15.1.2507").expect("partial");
    let id = t.identify(bb, full);
    assert_eq!(id.cu.as_deref(), Some("CU23"));
    let v = t.assess(bb, &id);
    let pns = v.iter().find(|x| x.cve.cve == "CVE-2022-41040").expect("41040");
    assert_eq!(pns.state, CveState::VulnerableUnlessUpdated);
    let pl = v.iter().find(|x| x.cve.cve == "CVE-2021-26855").expect("26855");
    assert_eq!(pl.state, CveState::Fixed);
    assert!(id.label().contains("update level unknown"));
}

#[test]
fn exchange_2010_sp3_rollups_are_all_known() {
    let t = table();
    let rus: Vec<&BuildRow> = t.rows.iter().filter(|r| r.product == "2010").collect();
    // SP3 and RU1-RU32 (RU8 v2 replaces the recalled RU8 v1).
    assert_eq!(rus.len(), 33, "{rus:?}");
    let id = t.identify(b("14.3.389.1"), true);
    assert_eq!(id.label(), "Exchange Server 2010 SP3 RU20");
    let v = t.assess(b("14.3.389.1"), &id);
    let state = |cve: &str| v.iter().find(|x| x.cve.cve == cve).map(|x| x.state.clone());
    // RU20 (2018) predates PrivExchange's fix (RU26), CVE-2020-0688 (RU30),
    // CVE-2020-17144 (RU31) and the UM deserialisation fix (RU32).
    for cve in ["CVE-2018-8581", "CVE-2020-0688", "CVE-2020-17144", "CVE-2021-26857"] {
        assert_eq!(state(cve), Some(CveState::Vulnerable), "{cve}");
    }
    let id = t.identify(b("14.3.513.0"), true);
    let v = t.assess(b("14.3.513.0"), &id);
    assert!(v.iter().all(|x| matches!(x.state, CveState::Fixed | CveState::NotAffected)), "{v:?}");
}
