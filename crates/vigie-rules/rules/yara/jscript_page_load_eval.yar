/*
# JScript Page_Load eval shells

## What it does
Finds ASP.NET pages whose server-side JScript `Page_Load` function evaluates
request data: `<script language="JScript" runat="server"> function
Page_Load(){ eval(Request[..], "unsafe"); }</script>`. This is the exact
payload written into the OAB virtual directory's ExternalUrl during
ProxyLogon (CVE-2021-27065) and into stand-alone `.aspx` files.

## Why it matters
The page runs attacker code on every request that carries the parameter.
On Exchange it runs as SYSTEM.

## Indicators
FS-05, ECP-01/EV-02 (the same payload seen in logs).

## Example
Fires on (defanged): `<script language="JScript" runat="server">function
Page_Load(){ev al(Request["x"],"unsafe");}</script>` (without the space).

## Known false positives
None known: a legitimate page does not `eval` request data.

## Response
As for any web shell: keep a copy, find the requests to it, remove it,
check the OAB virtual directory URLs (`Get-OabVirtualDirectory`), reset
credentials and patch.
*/

rule vigie_jscript_page_load_eval
{
    meta:
        vigie_code = "VG-WEB005"
        description = "ASP.NET JScript Page_Load web shell evaluating request data"
        impact = "Runs attacker-supplied JScript on the server on every request carrying the parameter."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05, ECP-01, EV-02"
        attack = "T1505.003"
        cve = "CVE-2021-27065"
        author = "vigie"
        reference = "https://msrc.microsoft.com/update-guide/vulnerability/CVE-2021-27065"
        remediation = "Remove the page after keeping a copy, check Get-OabVirtualDirectory ExternalUrl/InternalUrl for script text, reset credentials and install the Exchange security updates."
    strings:
        $runat = /<script[^>]{0,80}runat\s*=\s*["']?server/ nocase
        $jscript = /language\s*=\s*["']?J(ava)?Script/ nocase
        $page_load = /function\s+Page_Load\s*\(/ nocase
        $eval = /eval\s*\(\s*(System\.Text\.Encoding\.[A-Za-z0-9]+\.GetString\s*\(\s*System\.Convert\.FromBase64String\s*\(\s*)?(HttpContext\.Current\.|Context\.)?Request/ nocase
    condition:
        filesize < 2MB and $runat and $jscript and $page_load and $eval
}
