/*
# ProxyLogon product: OAB configuration dumped into an .aspx

## What it does
Finds the file CVE-2021-27065 writes: the attacker sets the OAB virtual
directory's ExternalUrl to a script (`http://f/<script language="JScript"
runat="server">…`) and then asks Exchange to "reset" the virtual directory,
saving its configuration (`ExternalUrl`, `InternalUrl`,
`InternalAuthenticationMethods`, `ExtendedProtectionTokenChecking`, …) to a
path of their choosing with an `.aspx` name. The result is a small text file
of OAB settings that IIS will run because of the script tag inside.

## Why it matters
It is the proof that CVE-2021-27065 was exploited on this server, and the
file is a working web shell (usually China Chopper) in `owa\auth`,
`aspnet_client` or `ecp\auth`.

## Indicators
FS-05, FS-03, HP-04 (the SetObject/Reset requests that write it).

## Example
Fires on (defanged) a 2 KB file containing `ExternalUrl : http://f/<scr ipt
language="JScript" runat="server">…</script>`, `InternalAuthenticationMethods`
and `ExtendedProtectionTokenChecking` (without the space).

## Known false positives
An administrator's export of `Get-OabVirtualDirectory | fl` saved as text
contains the same settings but no script tag or page directive.

## Response
Exploitation succeeded. Keep a copy, check the OAB virtual directory
(`Get-OabVirtualDirectory | fl *Url*`), remove the file, install the
Exchange security updates, reset credentials and look for further shells
and lsass dumps.
*/

rule vigie_proxylogon_oab_aspx
{
    meta:
        vigie_code = "VG-EXC001"
        description = "ProxyLogon (CVE-2021-27065) web shell: OAB configuration text with a script tag"
        impact = "Proof that CVE-2021-27065 was exploited: the file is a working web shell written by Exchange itself."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05, FS-03, HP-04"
        attack = "T1190, T1505.003"
        cve = "CVE-2021-26855, CVE-2021-27065"
        author = "vigie"
        reference = "https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/"
        remediation = "Keep a copy, check Get-OabVirtualDirectory URLs, remove the file, install the March 2021 (or later) Exchange security update, reset credentials and hunt for further shells and lsass dumps."
    strings:
        $ext = "ExternalUrl" nocase
        $int = "InternalUrl" nocase
        $auth = "InternalAuthenticationMethods" nocase
        $epc = "ExtendedProtectionTokenChecking" nocase
        $oab = "OfflineAddressBooks" nocase
        $script = /<script[^>]{0,120}runat\s*=\s*["']?server/ nocase
        $page = /<%@\s*Page\s+Language/ nocase
        $tag = /https?:\/\/[^\s\/]{1,40}\/<script/ nocase
    condition:
        filesize < 50KB and ($script or $page or $tag) and (
            ($ext and $auth and $epc) or
            ($ext and $int and $oab)
        )
}
