/*
# China Chopper one-liners

## What it does
Finds the server side of China Chopper ("caidao"): a one-line script that
hands whatever the attacker posts in one request parameter to the language's
code evaluator. Four variants: ASP.NET JScript (`eval(Request.Item[..],
"unsafe")`), classic ASP (`eval request(..)` / `execute request(..)`), PHP
(`eval($_POST[..])`, `assert($_POST[..])`) and the bigger JSP/CFM "customize"
servers that answer the client's numbered commands (`z0`, `z1`, `z2`).

## Why it matters
China Chopper was the web shell most dropped in the March 2021 Exchange
(Hafnium/ProxyLogon) wave, often into `aspnet_client` or `owa\auth`, sometimes
appended to an Exchange OAB file. A Chopper server gives the attacker code
execution as the web server's account (on Exchange: SYSTEM).

## Indicators
FS-05 (content), FS-02/FS-03 (where it is usually found).

## Example
Fires on (defanged): `<%@ Page Language="Jscript"%><%ev al(Request.Item["p"],"unsafe");%>`
(without the space). Not flagged: an .aspx that reads `Request.Item["p"]` and
only prints it.

## Known false positives
None known for the ASPX, ASP and PHP rules: no legitimate page evaluates a
request parameter as code. Security training material and AV test corpora
contain the same lines.

## Response
Treat the server as compromised. Keep a copy of the file with its
timestamps, search the IIS logs for requests to it (POSTs with a 200), list
what the web server's processes ran since the file's creation time, remove
the file, reset credentials used on the host and patch.
*/

rule vigie_china_chopper_aspx
{
    meta:
        vigie_code = "VG-WEB001"
        description = "China Chopper web shell (ASP.NET JScript eval of a request parameter)"
        impact = "Anyone who knows the parameter name can run code on the server as the web application's account."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        reference = "https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/"
        remediation = "Remove the web shell after keeping a copy, find how it was written (IIS and Exchange logs around its creation time), reset credentials used on the server and patch Exchange/IIS."
    strings:
        $eval_req = /eval\s*\(\s*(Context\.)?Request\s*(\.\s*(Item|Form|QueryString|Params))?\s*[\[\(]/ nocase
        $unsafe = /,\s*["']unsafe["']\s*\)/ nocase
        $jscript = /Language\s*=\s*["']?\s*J(ava)?Script/ nocase
        $eval_var = /eval\s*\(\s*(\/\*[^\n*]{0,20}\*\/\s*)?[A-Za-z_]\w{0,30}\s*(\/\*[^\n*]{0,20}\*\/\s*)?,/
        $request = "Request" nocase
    condition:
        (filesize < 2MB and $eval_req and ($unsafe or $jscript)) or
        (filesize < 4KB and $jscript and $eval_var and ($request or $unsafe))
}

rule vigie_china_chopper_asp
{
    meta:
        vigie_code = "VG-WEB002"
        description = "China Chopper web shell (classic ASP eval/execute of a request parameter)"
        impact = "Anyone who knows the parameter name can run VBScript on the server."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the web shell after keeping a copy, search the IIS logs for requests to it, reset credentials used on the server."
    strings:
        $direct = /<%[^%]{0,80}\b(eval|execute|executeglobal)\s*\(?\s*request\s*(\.\s*(item|form|querystring))?\s*\(/ nocase
        $indirect_get = /\b([a-z_][a-z0-9_]{0,20})\s*=\s*request\s*(\.\s*(item|form|querystring))?\s*\(\s*["'][^"']{1,30}["']\s*\)/ nocase
        $indirect_run = /\b(eval|execute|executeglobal)\s*\(?\s*[a-z_][a-z0-9_]{0,20}\s*\)?\s*(%>|\r?\n|:)/ nocase
        $small_exec = /\b(eval|execute|executeglobal)\s*[\( ]/ nocase
        $small_req = /request\s*(\.\s*(item|form|querystring))?\s*\(/ nocase
        $small_decode = /\b(execute|eval|executeglobal)\s*\(?\s*\(?\s*decode\s*\(/ nocase
        $asp_open = "<%"
    condition:
        filesize < 200KB and (
            $direct or
            ($indirect_get and $indirect_run and filesize < 2KB) or
            (filesize < 4KB and $asp_open and $small_exec and ($small_req or $small_decode))
        )
}

rule vigie_china_chopper_php
{
    meta:
        vigie_code = "VG-WEB003"
        description = "PHP one-liner web shell (eval/assert of request data)"
        impact = "Anyone who knows the parameter name can run PHP code on the server."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the web shell after keeping a copy, search the access logs for requests to it, reset credentials used by the application."
    strings:
        $a = /(eval|assert)\s*\(\s*(@\s*)?(stripslashes\s*\(\s*)?\$_(POST|GET|REQUEST|COOKIE|SERVER)\s*\[/ nocase
        $b = /(eval|assert)\s*\(\s*(@\s*)?(base64_decode|gzinflate|gzuncompress|str_rot13|urldecode|hex2bin)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
        $c = /\$\{\s*\$\{\s*eval\s*\(/ nocase
    condition:
        filesize < 2MB and any of them
}

rule vigie_china_chopper_server_jsp_cfm
{
    meta:
        vigie_code = "VG-WEB004"
        description = "China Chopper / AntSword \"customize\" server (JSP, CFM, ASPX handler)"
        impact = "A full remote-administration back-end: file manager, command execution and database client for the attacker."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the web shell after keeping a copy, search the access logs for POSTs to it, reset credentials of the application and its database."
    strings:
        $z1_jsp = /getParameter\s*\(\s*"z[0-2]"\s*\)/
        $z1_net = /Request\.Form\s*\[\s*"z[0-2]"\s*\]/ nocase
        $z1_cfm = /#Form\.z[0-2]#/ nocase
        $roots = "File.listRoots()"
        $pwd = /String\s+Pwd\s*=\s*"/
        $ec = /String\s+EC\s*\(\s*String/
        $cfdir = "<CFDIRECTORY" nocase
        $cfexec = /<cf(execute|file)\b/ nocase
        $drives = "Environment.GetLogicalDrives" nocase
        $proc = "ProcessStartInfo" nocase
        $z_soap = /String\s+z1\s*,\s*String\s+z2/ nocase
        $webmethod = "[WebMethod" nocase
    condition:
        filesize < 500KB and (
            (#z1_jsp >= 2 and ($roots or $pwd or $ec)) or
            ($z1_cfm and ($cfdir or $cfexec)) or
            (#z1_net >= 2 and ($drives or $proc)) or
            ($z_soap and $webmethod)
        )
}
