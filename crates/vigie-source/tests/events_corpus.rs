//! Event readers on the real corpora: every EVTX of `corpora/evtx` with the
//! record counts of its manifest, the OTRF ProxyLogon zip, field names that
//! agree across formats, and damaged EVTX files that must not stop a read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use vigie_model::Event;
use vigie_source::{
    EventItem, EventReadStats, EventReader, SourceKind, ZipLimits, zip_event_members,
};

fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIE_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"));
    if dir.join("evtx/MANIFEST.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("corpora not found at {} (set VIGIE_CORPORA)", dir.display());
    }
    eprintln!("corpora not found at {}: test skipped (set VIGIE_CORPORA)", dir.display());
    None
}

/// `file → records` from `evtx/MANIFEST.tsv`.
fn manifest(dir: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(dir.join("evtx/MANIFEST.tsv")).expect("read manifest");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let file = header.iter().position(|h| *h == "file").expect("file column");
    let records = header.iter().position(|h| *h == "records").expect("records column");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[file].to_string(), cols[records].parse().expect("records is a number"))
        })
        .collect()
}

fn read_evtx(reader: &mut EventReader, path: &Path) -> (EventReadStats, Vec<String>) {
    let mut errors = Vec::new();
    let stats = reader
        .read_evtx_path(path, &mut |item| {
            if let EventItem::Error(e) = item {
                errors.push(e.to_string());
            }
        })
        .expect("EVTX header readable");
    (stats, errors)
}

#[test]
fn every_corpus_evtx_reads_with_manifest_counts() {
    let Some(dir) = corpora() else { return };
    let rows = manifest(&dir);
    assert_eq!(rows.len(), 451);
    let mut reader = EventReader::new();
    let mut total = 0;
    let mut wrong = Vec::new();
    for (file, want) in &rows {
        let (stats, errors) = read_evtx(&mut reader, &dir.join("evtx").join(file));
        total += stats.records;
        if stats.records != *want || stats.errors != 0 {
            wrong.push(format!(
                "{file}: {} records (manifest {want}), errors {errors:?}",
                stats.records
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(total, 15_374);
}

#[test]
fn etw_conversion_without_channel_still_reads() {
    let Some(dir) = corpora() else { return };
    let path = dir.join("evtx/EVTX-ATTACK-SAMPLES/Credential Access/etw_rpc_zerologon.evtx");
    let mut reader = EventReader::new();
    let (mut n, mut with_channel, mut endpoints) = (0, 0, 0);
    reader
        .read_evtx_path(&path, &mut |item| {
            if let EventItem::Event(e) = item {
                n += 1;
                with_channel += usize::from(e.channel().is_some());
                endpoints += usize::from(e.field("Endpoint").is_some());
                assert!(e.event_id().is_some());
                assert!(e.field("Provider_Name").is_some());
            }
        })
        .expect("readable");
    assert_eq!((n, with_channel), (415, 0));
    assert!(endpoints > 0, "EventData fields by plain name");
}

/// Values of the fields matchers use, the same way for every format.
fn common(e: &dyn Event) -> HashMap<&'static str, String> {
    let mut m = HashMap::new();
    for name in [
        "EventID",
        "Channel",
        "Computer",
        "Provider_Name",
        "Image",
        "CommandLine",
        "ParentImage",
        "TargetFilename",
    ] {
        if let Some(v) = e.field(name) {
            m.insert(name, v.as_text().into_owned());
        }
    }
    m
}

#[test]
fn otrf_proxylogon_zip_reads_every_event_with_plain_names() {
    let Some(dir) = corpora() else { return };
    let zip = dir.join("eventlog-json/OTRF-Security-Datasets/proxylogon_ssrf_rce_poc.zip");
    let limits = ZipLimits::default();
    let listing = zip_event_members(&zip, &limits).expect("zip opens");
    assert_eq!(listing.events.len(), 1);
    assert_eq!(listing.events[0].kind, SourceKind::JsonEvents);
    let mut reader = EventReader::new();
    let mut seen: HashMap<u64, HashMap<&'static str, String>> = HashMap::new();
    let mut oab = None;
    let stats = reader
        .read_zip(&zip, &listing.events, &limits, &mut |member, item| {
            assert!(member.ends_with(".json"));
            let EventItem::Event(e) = item else { panic!("no record error expected: {item:?}") };
            if [3733, 4050, 4966].contains(&e.record_id()) {
                seen.insert(e.record_id(), common(e));
            }
            if e.channel().as_deref() == Some("MSExchange Management")
                && e.field("Data").is_some_and(|v| v.as_text().contains("Set-OabVirtualDirectory"))
            {
                oab = Some((e.record_id(), e.event_id(), e.timestamp()));
            }
        })
        .expect("zip reads");
    assert_eq!(stats, EventReadStats { records: 10_487, errors: 0 });
    let (id, eid, time) = oab.expect("the Set-OabVirtualDirectory event");
    assert_eq!((id, eid), (10_485, Some(1)));
    assert_eq!(time.map(|t| t.to_rfc3339()).as_deref(), Some("2021-03-14T01:40:12.987+00:00"));
    let file = &seen[&3733];
    assert_eq!(file["EventID"], "11");
    assert_eq!(file["Image"], "System");
    assert!(file["TargetFilename"].ends_with(r"FrontEnd\HttpProxy\owa\auth\ohyeah.aspx"));
    assert_eq!(file["Computer"], "MXS01.azsentinel.local");
    assert_eq!(file["Provider_Name"], "Microsoft-Windows-Sysmon");
    let proc = &seen[&4050];
    assert_eq!(proc["CommandLine"], "cmd /c whoami");
    assert!(proc["ParentImage"].ends_with(r"\inetsrv\w3wp.exe"));
    assert_eq!(seen[&4966]["Channel"], "Security");
}

#[test]
fn evtx_and_json_answer_the_same_names() {
    let Some(dir) = corpora() else { return };
    let path = dir.join(
        "evtx/EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx",
    );
    let mut reader = EventReader::new();
    let mut from_evtx = None;
    reader
        .read_evtx_path(&path, &mut |item| {
            if let EventItem::Event(e) = item
                && e.event_id() == Some(1)
                && from_evtx.is_none()
            {
                from_evtx = Some(common(e));
            }
        })
        .expect("readable");
    let from_evtx = from_evtx.expect("a Sysmon 1 event");
    for k in
        ["EventID", "Channel", "Computer", "Provider_Name", "Image", "CommandLine", "ParentImage"]
    {
        assert!(from_evtx.contains_key(k), "EVTX lacks {k}");
    }
    assert!(from_evtx["ParentImage"].to_ascii_lowercase().ends_with("w3wp.exe"));
}

#[test]
fn damaged_evtx_gives_counted_errors_and_goes_on() {
    let Some(dir) = corpora() else { return };
    let src = dir.join(
        "evtx/EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx",
    );
    let bytes = std::fs::read(&src).expect("read sample");
    let mut reader = EventReader::new();
    let (good, _) = read_evtx(&mut reader, &src);
    assert!(good.records > 0);
    let tmp = tempfile::tempdir().expect("temp dir");

    // Bytes flipped inside the first chunk's records.
    let mut flipped = bytes.clone();
    for b in flipped.iter_mut().skip(4096 + 512 + 300).step_by(97).take(400) {
        *b ^= 0x5a;
    }
    let p = tmp.path().join("flipped.evtx");
    std::fs::write(&p, &flipped).expect("write");
    let (stats, errors) = read_evtx(&mut reader, &p);
    assert!(stats.errors > 0, "flipped bytes must be reported");
    assert!(stats.records < good.records);
    assert!(errors.iter().all(|e| e.contains("chunk") || e.contains("record")), "{errors:?}");

    // Truncated in the middle of a chunk.
    let p = tmp.path().join("truncated.evtx");
    std::fs::write(&p, &bytes[..4096 + 30_000]).expect("write");
    let (stats, _) = read_evtx(&mut reader, &p);
    assert!(stats.errors > 0 || stats.records < good.records);

    // Random bytes after a valid header.
    let mut noise = bytes[..4096].to_vec();
    noise.extend((0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let p = tmp.path().join("noise.evtx");
    std::fs::write(&p, &noise).expect("write");
    let _ = read_evtx(&mut reader, &p);

    // Not EVTX at all: a file-level error, not a panic.
    let p = tmp.path().join("not.evtx");
    std::fs::write(&p, b"ElfFile\0short").expect("write");
    assert!(reader.read_evtx_path(&p, &mut |_| {}).is_err());
}
