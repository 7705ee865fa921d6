//! The whole-line Sigma prefilter of the log scan
//! (`SigmaMatcher::may_match_text` on `LogRecord::values_text`) never hides
//! a hit: on every line of the real web logs of the corpora, of the built-in
//! rule fixtures, and of lines built to fire the SigmaHQ web rules through
//! IIS `+` encoding and Exchange CSV quoting, a line it rejects has no hit
//! when every rule is evaluated. It also rejects ordinary traffic, so the
//! scan skips rule evaluation for most lines.

use std::io::Write;
use std::path::{Path, PathBuf};
use vigie_sigma::{SetOptions, SigmaCompiler, SigmaRules};
use vigie_source::{LogItem, LogReader};

fn corpora() -> Option<PathBuf> {
    vigie_testkit::corpora("sigma/sigmahq/rules/web")
}

const IIS_HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";

/// IIS lines: (line, whether a SigmaHQ web rule must fire).
const IIS_LINES: [(&str, bool); 7] = [
    (
        "2021-03-02 10:00:00 10.0.0.5 GET /owa/auth/Current/themes/resources/logon.css - 443 - 10.1.2.8 Mozilla/5.0+(Macintosh;+Intel+Mac+OS+X+10_15_7) - 200 0 0 0",
        false,
    ),
    (
        "2021-03-02 10:00:01 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 203.0.113.9 Fuzz+Faster+U+Fool+v1.3.0-dev - 404 0 2 1",
        true,
    ),
    (
        "2021-03-02 10:00:02 10.0.0.5 GET /index.aspx id=1 443 - 203.0.113.9 sqlmap/1.5.2#stable+(http://sqlmap.org) - 200 0 0 3",
        true,
    ),
    (
        "2021-03-02 10:00:03 10.0.0.5 GET /download.aspx file=../../../etc/passwd 443 - 203.0.113.9 curl/7.68.0 - 404 0 2 1",
        true,
    ),
    (
        "2021-03-02 10:00:04 10.0.0.5 GET /aspnet_client/shell.aspx cmd=whoami 443 - 203.0.113.9 Mozilla/5.0 - 200 0 0 8",
        true,
    ),
    (
        "2021-03-02 10:00:05 10.0.0.5 GET /repo/.git/config - 443 - 203.0.113.9 Mozilla/5.0 - 404 0 2 1",
        true,
    ),
    (
        "2021-03-02 10:00:06 10.0.0.5 POST /EWS/Exchange.asmx - 443 CORP\\bob 10.1.2.5 Microsoft+Office/16.0 - 200 0 0 46",
        false,
    ),
];

const HP_HEADER: &str = "#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy Logs\r\n#Fields: DateTime,RequestId,UrlHost,UrlStem,UrlQuery,AuthenticatedUser,UserAgent,ClientIpAddress,HttpStatus,Method\r\n";

/// HttpProxy lines (values quoted, `""` escapes): (line, must fire).
const HP_LINES: [(&str, bool); 3] = [
    (
        "2021-03-02T10:00:00.123Z,3c1b,mail.corp.local,/owa/service.svc,action=GetItem,CORP\\jane,\"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\",10.1.2.7,200,POST",
        false,
    ),
    (
        "2021-03-02T10:00:01.123Z,3c1c,mail.corp.local,/owa/,,,\"Mozilla/5.0 \"\"x\"\" Nmap Scripting Engine\",203.0.113.9,404,GET",
        true,
    ),
    (
        "2021-03-02T10:00:02.123Z,3c1d,mail.corp.local,/ecp/x.js,\"a=1,b=../../../etc/shadow\",,curl/7.68.0,203.0.113.9,404,GET",
        true,
    ),
];

fn web_rules(corpora: &Path) -> SigmaRules {
    // The `webserver` rules, as the log scan loads them (the `proxy` ones
    // are not for server logs).
    let mut c = SigmaCompiler::new();
    for sub in ["webserver_generic", "product"] {
        c.add_dir(&corpora.join("sigma/sigmahq/rules/web").join(sub), SetOptions::external("web"))
            .expect("SigmaHQ web rules readable");
    }
    let rules = c.build();
    assert!(rules.loaded_count() >= 12, "only {} web rules loaded", rules.loaded_count());
    rules
}

#[derive(Default)]
struct Tally {
    lines: u64,
    rejected: u64,
    hits: u64,
    /// Line numbers with a hit.
    fired: Vec<u64>,
    /// Rules that fired.
    rules: Vec<String>,
}

/// Evaluate every rule on every line of `path`; fail if the prefilter
/// rejects a line with a hit.
fn check_file(rules: &SigmaRules, path: &Path, tally: &mut Tally) {
    let Ok(Some(mut reader)) = LogReader::open(path) else { return };
    let mut m = rules.matcher();
    let mut hits = Vec::new();
    while let Ok(Some(item)) = reader.next_item() {
        let LogItem::Record(rec) = item else { continue };
        hits.clear();
        let n = m.matches(&rec, &mut hits);
        let may = m.may_match_text(rec.values_text());
        tally.lines += 1;
        if !may {
            tally.rejected += 1;
        }
        if n > 0 {
            tally.hits += n as u64;
            tally.fired.push(rec.line_no());
            tally.rules.extend(hits.iter().map(|h| rules.rules()[h.rule].title.clone()));
        }
        assert!(
            n == 0 || may,
            "{}:{}: the prefilter rejected a line that rule {} matches: {}",
            path.display(),
            rec.line_no(),
            rules.rules()[hits[0].rule].id,
            rec.raw()
        );
    }
}

#[test]
fn prefilter_never_hides_a_hit_on_real_and_crafted_lines() {
    let Some(corpora) = corpora() else { return };
    let rules = web_rules(&corpora);
    let dir = tempfile::tempdir().expect("temp dir");
    let iis = dir.path().join("u_ex210302.log");
    let hp = dir.path().join("HttpProxy_2021030210-1.LOG");
    let mut w = std::fs::File::create(&iis).expect("create IIS log");
    w.write_all(IIS_HEADER.as_bytes()).expect("write IIS log");
    for (l, _) in IIS_LINES {
        writeln!(w, "{l}\r").expect("write IIS log");
    }
    let mut w = std::fs::File::create(&hp).expect("create HttpProxy log");
    w.write_all(HP_HEADER.as_bytes()).expect("write HttpProxy log");
    for (l, _) in HP_LINES {
        writeln!(w, "{l}\r").expect("write HttpProxy log");
    }
    for (path, lines, first) in [(&iis, &IIS_LINES[..], 3u64), (&hp, &HP_LINES[..], 4)] {
        let mut t = Tally::default();
        check_file(&rules, path, &mut t);
        let want: Vec<u64> =
            lines.iter().zip(first..).filter(|((_, fire), _)| *fire).map(|(_, n)| n).collect();
        assert_eq!(
            t.fired,
            want,
            "lines of {} with a SigmaHQ web hit ({:?})",
            path.display(),
            t.rules
        );
        assert_eq!(t.rejected, (lines.len() - want.len()) as u64, "benign lines rejected");
    }

    let mut files = vigie_testkit::files_below(&corpora.join("weblogs"));
    files.extend(vigie_testkit::files_below(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-rules/tests/fixtures"),
    ));
    let mut t = Tally::default();
    for f in &files {
        check_file(&rules, f, &mut t);
    }
    assert!(t.lines > 1000, "only {} lines read from {} files", t.lines, files.len());
    assert!(t.hits > 0, "no SigmaHQ web hit on the corpora web logs");
    assert!(
        t.rejected * 2 > t.lines,
        "the prefilter rejected only {} of {} lines",
        t.rejected,
        t.lines
    );
}
