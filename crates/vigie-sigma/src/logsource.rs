//! vigie's own mapping from a Sigma `logsource` (product / category /
//! service) to the Windows channels, providers and event ids it reads, and
//! the field renames that let one rule read several sources.

/// One place a log source's events live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelSpec {
    /// The channel (EVTX `System/Channel`), compared case-insensitively.
    pub channel: &'static str,
    /// The provider that writes the events (documentation; routing uses the
    /// channel and event ids).
    pub provider: &'static str,
    /// The event ids; empty means every event of the channel.
    pub event_ids: &'static [u32],
}

/// A Sigma field name and the other names the same data has in some sources
/// (tried in order when the event lacks the Sigma name).
pub type Rename = (&'static str, &'static [&'static str]);

/// One row of the log-source mapping table.
#[derive(Clone, Copy, Debug)]
pub struct LogSourceMapping {
    /// `product` (`windows`, or empty for product-less sources).
    pub product: &'static str,
    /// `category`, or empty.
    pub category: &'static str,
    /// `service`, or empty.
    pub service: &'static str,
    /// Where the events are; empty means "not restricted by channel".
    pub channels: &'static [ChannelSpec],
    /// Field renames applied for rules of this source.
    pub renames: &'static [Rename],
}

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
const SYSMON_P: &str = "Microsoft-Windows-Sysmon";

const fn sysmon(ids: &'static [u32]) -> ChannelSpec {
    ChannelSpec { channel: SYSMON, provider: SYSMON_P, event_ids: ids }
}

const fn chan(channel: &'static str, provider: &'static str) -> ChannelSpec {
    ChannelSpec { channel, provider, event_ids: &[] }
}

const PROC_RENAMES: &[Rename] = &[
    ("Image", &["NewProcessName"]),
    ("ParentImage", &["ParentProcessName"]),
    ("User", &["SubjectUserName"]),
    ("LogonId", &["SubjectLogonId"]),
];

const WEB_RENAMES: &[Rename] = &[
    ("cs-user-agent", &["cs(User-Agent)", "c-useragent", "user-agent"]),
    ("cs-referer", &["cs(Referer)", "referer"]),
    ("cs-uri-query", &["uri-query"]),
    ("cs-uri-stem", &["uri-stem"]),
    ("cs-method", &["method"]),
    ("sc-status", &["status"]),
    ("c-ip", &["client-ip"]),
    ("cs-host", &["cs(Host)", "host"]),
    ("cs-username", &["username"]),
];

const PS_OP: &str = "Microsoft-Windows-PowerShell/Operational";
const PS_P: &str = "Microsoft-Windows-PowerShell";
const PS_CORE: &str = "PowerShellCore/Operational";
const PS_CLASSIC: &str = "Windows PowerShell";

macro_rules! cat {
    ($name:literal, [$($spec:expr),* $(,)?]) => {
        LogSourceMapping { product: "windows", category: $name, service: "", channels: &[$($spec),*], renames: &[] }
    };
    ($name:literal, [$($spec:expr),* $(,)?], $renames:expr) => {
        LogSourceMapping { product: "windows", category: $name, service: "", channels: &[$($spec),*], renames: $renames }
    };
}

macro_rules! svc {
    ($name:literal, $channel:literal, $provider:literal) => {
        LogSourceMapping {
            product: "windows",
            category: "",
            service: $name,
            channels: &[chan($channel, $provider)],
            renames: &[],
        }
    };
    ($name:literal, [$($spec:expr),* $(,)?]) => {
        LogSourceMapping { product: "windows", category: "", service: $name, channels: &[$($spec),*], renames: &[] }
    };
}

/// The whole mapping table (see `docs/sigma.md`).
pub static MAPPINGS: &[LogSourceMapping] = &[
    cat!(
        "process_creation",
        [
            sysmon(&[1]),
            ChannelSpec {
                channel: "Security",
                provider: "Microsoft-Windows-Security-Auditing",
                event_ids: &[4688]
            },
        ],
        PROC_RENAMES
    ),
    cat!("file_change", [sysmon(&[2])]),
    cat!("network_connection", [sysmon(&[3])]),
    cat!("sysmon_status", [sysmon(&[4, 16])]),
    cat!(
        "process_termination",
        [
            sysmon(&[5]),
            ChannelSpec {
                channel: "Security",
                provider: "Microsoft-Windows-Security-Auditing",
                event_ids: &[4689]
            },
        ],
        &[("Image", &["ProcessName"])]
    ),
    cat!("driver_load", [sysmon(&[6])]),
    cat!("image_load", [sysmon(&[7])]),
    cat!("create_remote_thread", [sysmon(&[8])]),
    cat!("raw_access_thread", [sysmon(&[9])]),
    cat!("process_access", [sysmon(&[10])]),
    cat!("file_event", [sysmon(&[11])]),
    cat!("registry_add", [sysmon(&[12])]),
    cat!("registry_delete", [sysmon(&[12])]),
    cat!("registry_set", [sysmon(&[13])]),
    cat!("registry_rename", [sysmon(&[14])]),
    cat!("registry_event", [sysmon(&[12, 13, 14])]),
    cat!("create_stream_hash", [sysmon(&[15])]),
    cat!("pipe_created", [sysmon(&[17, 18])]),
    cat!("wmi_event", [sysmon(&[19, 20, 21])]),
    cat!("dns_query", [sysmon(&[22])]),
    cat!("file_delete", [sysmon(&[23, 26])]),
    cat!("clipboard_capture", [sysmon(&[24])]),
    cat!("process_tampering", [sysmon(&[25])]),
    cat!("file_delete_detected", [sysmon(&[26])]),
    cat!("file_block_executable", [sysmon(&[27])]),
    cat!("file_block_shredding", [sysmon(&[28])]),
    cat!("file_executable_detected", [sysmon(&[29])]),
    cat!("sysmon_error", [sysmon(&[255])]),
    cat!(
        "file_access",
        [chan("Microsoft-Windows-Kernel-File/Analytic", "Microsoft-Windows-Kernel-File")]
    ),
    cat!(
        "file_rename",
        [chan("Microsoft-Windows-Kernel-File/Analytic", "Microsoft-Windows-Kernel-File")]
    ),
    cat!(
        "ps_module",
        [
            ChannelSpec { channel: PS_OP, provider: PS_P, event_ids: &[4103] },
            ChannelSpec { channel: PS_CORE, provider: "PowerShellCore", event_ids: &[4103] },
        ]
    ),
    cat!(
        "ps_script",
        [
            ChannelSpec { channel: PS_OP, provider: PS_P, event_ids: &[4104] },
            ChannelSpec { channel: PS_CORE, provider: "PowerShellCore", event_ids: &[4104] },
        ]
    ),
    cat!(
        "ps_classic_start",
        [ChannelSpec { channel: PS_CLASSIC, provider: "PowerShell", event_ids: &[400] }]
    ),
    cat!(
        "ps_classic_provider_start",
        [ChannelSpec { channel: PS_CLASSIC, provider: "PowerShell", event_ids: &[600] }]
    ),
    cat!(
        "ps_classic_script",
        [ChannelSpec { channel: PS_CLASSIC, provider: "PowerShell", event_ids: &[800] }]
    ),
    svc!("security", "Security", "Microsoft-Windows-Security-Auditing"),
    svc!("system", "System", ""),
    svc!("application", "Application", ""),
    svc!("sysmon", [sysmon(&[])]),
    svc!("powershell", [chan(PS_OP, PS_P), chan(PS_CORE, "PowerShellCore")]),
    svc!("powershell-classic", [chan(PS_CLASSIC, "PowerShell")]),
    svc!(
        "taskscheduler",
        "Microsoft-Windows-TaskScheduler/Operational",
        "Microsoft-Windows-TaskScheduler"
    ),
    svc!("wmi", "Microsoft-Windows-WMI-Activity/Operational", "Microsoft-Windows-WMI-Activity"),
    svc!(
        "windefend",
        "Microsoft-Windows-Windows Defender/Operational",
        "Microsoft-Windows-Windows Defender"
    ),
    svc!(
        "applocker",
        [
            chan("Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker"),
            chan("Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker"),
            chan(
                "Microsoft-Windows-AppLocker/Packaged app-Deployment",
                "Microsoft-Windows-AppLocker"
            ),
            chan(
                "Microsoft-Windows-AppLocker/Packaged app-Execution",
                "Microsoft-Windows-AppLocker"
            ),
        ]
    ),
    svc!(
        "appmodel-runtime",
        "Microsoft-Windows-AppModel-Runtime/Admin",
        "Microsoft-Windows-AppModel-Runtime"
    ),
    svc!(
        "appxdeployment-server",
        "Microsoft-Windows-AppXDeploymentServer/Operational",
        "Microsoft-Windows-AppXDeployment-Server"
    ),
    svc!(
        "appxpackaging-om",
        "Microsoft-Windows-AppxPackaging/Operational",
        "Microsoft-Windows-AppxPackagingOM"
    ),
    svc!(
        "bits-client",
        "Microsoft-Windows-Bits-Client/Operational",
        "Microsoft-Windows-Bits-Client"
    ),
    svc!("capi2", "Microsoft-Windows-CAPI2/Operational", "Microsoft-Windows-CAPI2"),
    svc!(
        "certificateservicesclient-lifecycle-system",
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System"
    ),
    svc!(
        "codeintegrity-operational",
        "Microsoft-Windows-CodeIntegrity/Operational",
        "Microsoft-Windows-CodeIntegrity"
    ),
    svc!(
        "diagnosis-scripted",
        "Microsoft-Windows-Diagnosis-Scripted/Operational",
        "Microsoft-Windows-Diagnosis-Scripted"
    ),
    svc!(
        "dns-client",
        "Microsoft-Windows-DNS Client Events/Operational",
        "Microsoft-Windows-DNS-Client"
    ),
    svc!("dns-server", "DNS Server", "Microsoft-Windows-DNS-Server-Service"),
    svc!("dns-server-audit", "Microsoft-Windows-DNS-Server/Audit", "Microsoft-Windows-DNS-Server"),
    svc!(
        "dns-server-analytic",
        "Microsoft-Windows-DNS-Server/Analytical",
        "Microsoft-Windows-DNS-Server"
    ),
    svc!(
        "driver-framework",
        "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
        "Microsoft-Windows-DriverFrameworks-UserMode"
    ),
    svc!(
        "firewall-as",
        "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
        "Microsoft-Windows-Windows Firewall With Advanced Security"
    ),
    svc!(
        "iis-configuration",
        "Microsoft-IIS-Configuration/Operational",
        "Microsoft-IIS-Configuration"
    ),
    svc!("ldap", "Microsoft-Windows-LDAP-Client/Debug", "Microsoft-Windows-LDAP-Client"),
    svc!("lsa-server", "Microsoft-Windows-LSA/Operational", "Microsoft-Windows-LSA"),
    svc!(
        "microsoft-servicebus-client",
        "Microsoft-ServiceBus-Client",
        "Microsoft-ServiceBus-Client"
    ),
    svc!("msexchange-management", "MSExchange Management", "MSExchange CmdletLogs"),
    svc!("ntlm", "Microsoft-Windows-NTLM/Operational", "Microsoft-Windows-NTLM"),
    svc!("openssh", "OpenSSH/Operational", "OpenSSH"),
    svc!(
        "printservice-admin",
        "Microsoft-Windows-PrintService/Admin",
        "Microsoft-Windows-PrintService"
    ),
    svc!(
        "printservice-operational",
        "Microsoft-Windows-PrintService/Operational",
        "Microsoft-Windows-PrintService"
    ),
    svc!(
        "security-mitigations",
        [
            chan(
                "Microsoft-Windows-Security-Mitigations/Kernel Mode",
                "Microsoft-Windows-Security-Mitigations"
            ),
            chan(
                "Microsoft-Windows-Security-Mitigations/User Mode",
                "Microsoft-Windows-Security-Mitigations"
            ),
        ]
    ),
    svc!("shell-core", "Microsoft-Windows-Shell-Core/Operational", "Microsoft-Windows-Shell-Core"),
    svc!(
        "smbclient-connectivity",
        "Microsoft-Windows-SmbClient/Connectivity",
        "Microsoft-Windows-SMBClient"
    ),
    svc!(
        "smbclient-security",
        "Microsoft-Windows-SmbClient/Security",
        "Microsoft-Windows-SMBClient"
    ),
    svc!(
        "smbserver-connectivity",
        "Microsoft-Windows-SMBServer/Connectivity",
        "Microsoft-Windows-SMBServer"
    ),
    svc!(
        "smbserver-security",
        "Microsoft-Windows-SMBServer/Security",
        "Microsoft-Windows-SMBServer"
    ),
    svc!(
        "terminalservices-localsessionmanager",
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "Microsoft-Windows-TerminalServices-LocalSessionManager"
    ),
    svc!(
        "terminalservices-remoteconnectionmanager",
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
    ),
    svc!("vhdmp", "Microsoft-Windows-VHDMP/Operational", "Microsoft-Windows-VHDMP"),
    svc!(
        "kernel-shimengine",
        "Microsoft-Windows-Kernel-ShimEngine/Operational",
        "Microsoft-Windows-Kernel-ShimEngine"
    ),
    svc!(
        "bitlocker",
        "Microsoft-Windows-BitLocker/BitLocker Management",
        "Microsoft-Windows-BitLocker-API"
    ),
    svc!(
        "hyper-v-worker",
        "Microsoft-Windows-Hyper-V-Worker-Admin",
        "Microsoft-Windows-Hyper-V-Worker"
    ),
    svc!("ntfs", "Microsoft-Windows-Ntfs/Operational", "Microsoft-Windows-Ntfs"),
    svc!("sense", "Microsoft-Windows-SENSE/Operational", "Microsoft-Windows-SENSE"),
    svc!(
        "wmi-activity",
        "Microsoft-Windows-WMI-Activity/Operational",
        "Microsoft-Windows-WMI-Activity"
    ),
    LogSourceMapping {
        product: "",
        category: "webserver",
        service: "",
        channels: &[],
        renames: WEB_RENAMES,
    },
];

/// The result of mapping one rule's logsource.
#[derive(Clone, Debug)]
pub(crate) enum Mapped {
    /// Restricted to these channels (and event ids).
    Channels(&'static LogSourceMapping),
    /// Evaluated on every event (product-less sources such as `webserver`,
    /// or sources vigie has no table row for), with the reason.
    Unrestricted(Option<&'static LogSourceMapping>, String),
}

/// Map a logsource. A `service` wins over a `category` when both are given.
pub(crate) fn map(product: &str, category: &str, service: &str) -> Mapped {
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let windowsish = product.is_empty() || eq(product, "windows");
    let row = MAPPINGS.iter().find(|m| {
        !service.is_empty() && eq(m.service, service) && (windowsish || eq(m.product, product))
    });
    let row = row.or_else(|| {
        MAPPINGS.iter().find(|m| {
            service.is_empty()
                && !category.is_empty()
                && eq(m.category, category)
                && (m.product.is_empty() || eq(m.product, product))
        })
    });
    match row {
        Some(r) if r.channels.is_empty() => Mapped::Unrestricted(
            Some(r),
            format!("`{}` logs are not restricted by channel", r.category),
        ),
        Some(r) => Mapped::Channels(r),
        None => {
            let what = [("product", product), ("category", category), ("service", service)]
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            Mapped::Unrestricted(
                None,
                format!("logsource ({what}) has no channel mapping; matched on every event"),
            )
        }
    }
}
/// Whether a Sigma rule file's logsource is `category: webserver`, read from
/// its text (a pre-check before compiling, used to pick the web rules).
pub fn is_webserver_rule(text: &str) -> bool {
    let mut in_logsource = false;
    for line in text.lines() {
        if line.starts_with("logsource:") {
            in_logsource = true;
            if line.contains("webserver") {
                return true;
            }
            continue;
        }
        if in_logsource {
            if !line.starts_with(' ') && !line.trim().is_empty() {
                in_logsource = false;
                continue;
            }
            let t = line.trim();
            if let Some(v) = t.strip_prefix("category:")
                && v.trim().trim_matches(['\'', '"']) == "webserver"
            {
                return true;
            }
        }
    }
    false
}
