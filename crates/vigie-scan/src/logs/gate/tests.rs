//! The gate hides nothing: on every line of the built-in rule fixtures, of
//! the corpora's web logs and of a many-block file with crafted attack,
//! non-ASCII and `""`-quoted lines, the gated scan (block needle search,
//! then only the wanted rules on the wanted lines) gives exactly the
//! findings and Sigma hits of checking every line with every rule. And it
//! skips the lines without a needle.

use super::NeedleGate;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use vigie_rules::logs::{FileState, LineCtx, LogRules};
use vigie_sigma::{SetOptions, SigmaCompiler, SigmaRules};
use vigie_source::{LogItem, LogReader};

/// Per line: the built-in findings (code and title) and the Sigma rules hit.
type Outcome = BTreeMap<u64, (Vec<String>, Vec<usize>)>;

struct Run {
    outcome: Outcome,
    records: u64,
    quiet: u64,
    /// Line numbers of bad lines.
    bad: Vec<u64>,
    /// The time of every good line, in order.
    times: Vec<Option<chrono::DateTime<chrono::Utc>>>,
}

/// Check every line of `path`, through the gate or not.
fn run(path: &Path, rules: &LogRules, sigma: &SigmaRules, gated: bool) -> Run {
    let mut out =
        Run { outcome: Outcome::new(), records: 0, quiet: 0, bad: Vec::new(), times: Vec::new() };
    let Ok(Some(mut reader)) = LogReader::open(path) else { return out };
    let kind = super::super::log_kind(reader.format());
    let gate_applies = reader.gates_lines();
    let mut gate = NeedleGate::new(Some(rules), Some(sigma), kind);
    let mut matcher = sigma.matcher();
    let mut state = FileState::default();
    loop {
        let item = if gated { reader.next_item_gated(&mut gate) } else { reader.next_item() };
        let rec = match item {
            Ok(Some(LogItem::Record(rec))) => rec,
            Ok(Some(LogItem::Quiet { time })) => {
                out.quiet += 1;
                out.times.push(time);
                continue;
            }
            Ok(Some(LogItem::Bad(b))) => {
                out.bad.push(b.line);
                continue;
            }
            Ok(None) | Err(_) => break,
        };
        out.records += 1;
        out.times.push(vigie_model::Event::timestamp(&rec));
        let ctx = LineCtx { event: &rec, raw: rec.raw(), path: "x", line: rec.line_no(), kind };
        let mut findings = Vec::new();
        let wanted = (gated && gate_applies).then(|| gate.wanted());
        match wanted.and_then(|w| w.rules) {
            Some(mask) => rules.check_rules(&ctx, &mut state, &mut findings, mask),
            None => rules.check(&ctx, &mut state, &mut findings),
        };
        let mut hits = Vec::new();
        if wanted.is_none_or(|w| w.sigma) {
            matcher.matches(&rec, &mut hits);
        }
        if !findings.is_empty() || !hits.is_empty() {
            let codes = findings.iter().map(|f| format!("{} {}", f.rule.id, f.title)).collect();
            let rules = hits.iter().map(|h| h.rule).collect();
            out.outcome.insert(rec.line_no(), (codes, rules));
        }
    }
    out
}

fn web_rules(corpora: &Path) -> SigmaRules {
    let mut c = SigmaCompiler::new();
    for sub in ["webserver_generic", "product"] {
        c.add_dir(&corpora.join("sigma/sigmahq/rules/web").join(sub), SetOptions::external("web"))
            .expect("SigmaHQ web rules readable");
    }
    c.build()
}

const IIS_HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";

/// Benign and attack request bodies (after `date time s-ip`).
const IIS_BODIES: [&str; 8] = [
    "GET /owa/auth/Current/themes/resources/logon.css - 443 - 10.1.2.8 Mozilla/5.0 - 200 0 0 0",
    "POST /owa/service.svc action=GetItem 443 CORP\\jane 10.1.2.4 Mozilla/5.0 - 200 0 0 31",
    "GET /index.aspx id=1 443 - 203.0.113.9 sqlmap/1.5.2#stable+(http://sqlmap.org) - 200 0 0 3",
    "POST /aspnet_client/system_web/a.aspx cmd=whoami 443 - 203.0.113.9 Mozilla/5.0 - 200 0 0 8",
    "POST /ecp/y.js - 443 - 203.0.113.7 python-requests/2.25.1 - 200 0 0 12",
    "GET /caf\u{e9}/menu.html q=%C3%A9t%C3%A9 443 - 10.1.2.9 Mozilla/5.0 - 200 0 0 2",
    "GET /owa/auth/errorEE.aspx - 443 - 203.0.113.7 ExchangeServicesClient/0.0.0.0 - 200 0 0 5",
    "POST /mapi/emsmdb/ mailboxId=x 443 CORP\\bob 10.1.2.7 Microsoft+Office/16.0 - 200 0 0 9",
];

const HP_HEADER: &str = "#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy Logs\r\n#Fields: DateTime,RequestId,UrlHost,UrlStem,UrlQuery,AnchorMailbox,BackEndCookie,UserAgent,ClientIpAddress,HttpStatus,Method\r\n";

/// HttpProxy rows after `DateTime,RequestId,`.
const HP_ROWS: [&str; 5] = [
    "mail.corp.local,/owa/service.svc,action=GetItem,SMTP:jane@corp.local,Server~EXCH01~1942,\"Mozilla/5.0 (Windows NT 10.0)\",10.1.2.7,200,POST",
    "mail.corp.local,/ecp/y.js,,ServerInfo~a]@exch01.corp.local:444/autodiscover/autodiscover.xml?#,,python-requests/2.25.1,203.0.113.7,200,POST",
    "mail.corp.local,/owa/,,,,\"Mozilla/5.0 \"\"x\"\" Nmap Scripting Engine\",203.0.113.9,404,GET",
    "mail.corp.local,/ecp/x.js,\"a=1,b=../../../etc/shadow\",,,curl/7.68.0,203.0.113.9,404,GET",
    "mail.corp.local,/ecp/x.js,,,\"Server~exch01/ecp/DDI/DDIService.svc/GetObject?#~1941962753\",ExchangeServicesClient/0.0.0.0,203.0.113.7,200,POST",
];

/// Files of several blocks mixing every line above.
fn many_block_files(dir: &Path) -> Vec<PathBuf> {
    let iis = dir.join("u_ex210302.log");
    let hp = dir.join("HttpProxy_2021030210-1.LOG");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&iis).expect("create IIS log"));
    w.write_all(IIS_HEADER.as_bytes()).expect("write IIS log");
    for i in 0..6000u32 {
        let body = IIS_BODIES[(i * 7 % 8) as usize];
        let (m, s) = (i / 60 % 60, i % 60);
        write!(w, "2021-03-02 10:{m:02}:{s:02} 10.0.0.5 {body}\r\n").expect("write IIS log");
        if i % 1000 == 999 {
            // Malformed: a value short, and no needle.
            w.write_all(b"2021-03-02 11:00:00 10.0.0.5 GET /a.html - 443 - 10.1.2.3 - 200 0 0\r\n")
                .expect("write IIS log");
        }
    }
    drop(w);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&hp).expect("create HP log"));
    w.write_all(HP_HEADER.as_bytes()).expect("write HttpProxy log");
    for i in 0..3000u32 {
        let row = HP_ROWS[(i * 3 % 5) as usize];
        let (m, s) = (i / 60 % 60, i % 60);
        write!(w, "2021-03-02T10:{m:02}:{s:02}.123Z,r{i},{row}\r\n").expect("write HttpProxy log");
        if i % 1000 == 999 {
            w.write_all(b"2021-03-02T11:00:00.000Z,x,\"unterminated\r\n")
                .expect("write HttpProxy log");
        }
    }
    drop(w);
    vec![iis, hp]
}

#[test]
fn gated_scan_finds_exactly_what_every_line_check_finds() {
    let Some(corpora) = vigie_testkit::corpora("sigma/sigmahq/rules/web") else { return };
    let sigma = web_rules(&corpora);
    let rules = LogRules::new();
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut files = many_block_files(tmp.path());
    let big = files.len();
    files.extend(vigie_testkit::files_below(&corpora.join("weblogs")));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-rules/tests/fixtures");
    files.extend(vigie_testkit::files_below(&fixtures));
    let (mut lines, mut quiet, mut flagged) = (0, 0, 0);
    for (i, f) in files.iter().enumerate() {
        let all = run(f, &rules, &sigma, false);
        let gated = run(f, &rules, &sigma, true);
        assert_eq!(gated.outcome, all.outcome, "{}: gated and full checks differ", f.display());
        assert_eq!(gated.records + gated.quiet, all.records, "{}: lines lost", f.display());
        assert_eq!(gated.bad, all.bad, "{}: bad lines", f.display());
        assert_eq!(gated.times, all.times, "{}: line times", f.display());
        if i < big {
            assert!(all.outcome.len() > 1000, "{}: attacks not found", f.display());
            assert_eq!(all.bad.len(), [6, 3][i], "{}: malformed lines", f.display());
        }
        lines += all.records;
        quiet += gated.quiet;
        flagged += all.outcome.len();
    }
    assert!(lines > 9000 && flagged > 3000, "{lines} lines, {flagged} with findings");
    // The crafted files hold 1,500 IIS lines (two bodies in eight) and 600
    // HttpProxy rows (one in five, its `Server~` cookie names no path) that
    // carry no needle: all of them are skipped.
    assert!(quiet >= 2100, "only {quiet} of {lines} lines skipped by the gate");
}
