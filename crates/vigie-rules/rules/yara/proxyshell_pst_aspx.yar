/*
# ProxyShell product: mailbox export (PST) saved as .aspx

## What it does
Finds the file the ProxyShell chain (CVE-2021-34473/34523/31207) writes:
the attacker mails an encoded payload to a mailbox, then runs
`New-MailboxExportRequest -FilePath \\localhost\…\x.aspx`, so Exchange
saves the mailbox as a PST file with an `.aspx` name. The PST header
(`!BDN`) sits at offset 0 and the decoded payload (`<%@ Page Language=…`
or a `<script runat="server">` block) is inside.

## Why it matters
It proves ProxyShell was exploited, and IIS runs the page: the web parser
skips the binary PST bytes and executes the embedded script.

## Indicators
FS-05, EV-03 (the export request in the MSExchange Management log).

## Example
Fires on a file starting `21 42 44 4E` ("!BDN") that contains
`Page Language=` (or a server-side script tag).

## Known false positives
A real PST never contains an ASP.NET page directive. A PST that merely
stores an e-mail discussing web shells would have it encoded by the PST
permutation, which the attacker's payload reverses; plain-text hits in a
real archive are possible but rare, and never under a web folder.

## Response
Exploitation succeeded. Keep a copy, look for `New-MailboxExportRequest`
and `New-ManagementRoleAssignment` in the MSExchange Management log, remove
the file, install the Exchange security updates and investigate the host.
*/

rule vigie_proxyshell_pst_aspx
{
    meta:
        vigie_code = "VG-EXC002"
        description = "ProxyShell web shell: PST mailbox export holding an ASP.NET page"
        impact = "Proof that ProxyShell was exploited: a mailbox export was written as a web page that IIS will run."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05, EV-03"
        attack = "T1190, T1505.003"
        cve = "CVE-2021-34473, CVE-2021-34523, CVE-2021-31207"
        author = "vigie"
        remediation = "Keep a copy, review New-MailboxExportRequest entries in the MSExchange Management log, remove the file, patch Exchange (April/May 2021 SUs or later) and investigate the server."
    strings:
        $page = /Page\s+Language\s*=/ nocase
        $script = /<script[^>]{0,120}runat\s*=\s*["']?server/ nocase
    condition:
        uint32(0) == 0x4e444221 and filesize < 20MB and ($page or $script)
}
