/*
# Generic classic ASP and ColdFusion execution primitives

## What it does
Two rules. Classic ASP (VBScript/JScript in `.asp`, `.asa`, `.cer`): a page
that reads the request and either runs a shell through `WScript.Shell`
(`.Exec`/`.Run`), or combines the file system object with another
powerful COM object (`Shell.Application`, `ADODB.Stream` writing files,
`WScript.Network`) — the structure of ASP file-manager shells. ColdFusion:
`<cfexecute>` whose program or arguments come from `#form.…#` / `#url.…#`.

## Why it matters
Classic ASP is still enabled on many old IIS servers, and ASP shells are
tiny and often customised. ColdFusion shells give the same control on CF
servers.

## Indicators
FS-05.

## Example
Fires on (defanged): `Set s = CreateObject("WScript.Sh ell") : s.Exec("cmd /c " & Request("c"))`
(without the space).

## Known false positives
Old intranet administration pages built on the same COM objects; review
them, they should not be reachable from outside.

## Response
Read the page: request data reaching a shell or arbitrary file writes is a
web shell; handle as compromise.
*/

rule vigie_asp_exec_request
{
    meta:
        vigie_code = "VG-WEB017"
        description = "Classic ASP page drives a shell or file-system COM objects from request data"
        impact = "Anyone who can reach the page can run commands or read and write files on the server."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1059.005"
        author = "vigie"
        remediation = "Review the page; if it runs request-supplied commands or writes arbitrary files, remove it after keeping a copy and investigate the server."
    strings:
        $asp = /<%/
        $req = /\bRequest\s*(\.\s*(Form|QueryString|Item|ServerVariables))?\s*\(/ nocase
        $wsh = /CreateObject\s*\(\s*["']WScript\.Shell["']/ nocase
        $wsh_split = /["']WScript["']\s*&\s*["']\.Shell["']/ nocase
        $run = /\.\s*(Exec|Run)\s*\(/ nocase
        $fso = "Scripting.FileSystemObject" nocase
        $shapp = "Shell.Application" nocase
        $stream = "ADODB.Stream" nocase
        $net = "WScript.Network" nocase
        $save = /\.SaveToFile\s/ nocase
    condition:
        filesize < 2MB and $asp and $req and (
            (($wsh or $wsh_split) and $run) or
            ($fso and 2 of ($shapp, $stream, $net, $save, $wsh))
        )
}

rule vigie_cfm_exec_request
{
    meta:
        vigie_code = "VG-WEB018"
        description = "ColdFusion page executes a program named by the request"
        impact = "Anyone who can reach the page can run programs on the ColdFusion server."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the page after keeping a copy and review the access logs for requests to it."
    strings:
        $exec = /<cfexecute[^>]{0,200}#\s*(form|url)\./ nocase
        $exec2 = /<cfexecute[^>]{0,200}(name|arguments)\s*=\s*["']?#[^#]{0,40}#/ nocase
        $form = /#\s*(form|url)\.\w+\s*#/ nocase
        $file = /<cffile[^>]{0,200}action\s*=\s*["']?(write|upload)/ nocase
        $dir = "<cfdirectory" nocase
    condition:
        filesize < 2MB and ($exec or ($exec2 and $form) or ($file and $dir and #form >= 3))
}
