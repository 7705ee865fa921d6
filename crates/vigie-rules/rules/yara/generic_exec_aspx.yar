/*
# Generic ASP.NET upload and execution primitives

## What it does
Finds .NET server pages (.aspx/.ashx/.asmx) that (1) start a process with a
command taken from the request (`Process.Start` / `ProcessStartInfo` and
`cmd.exe` or `powershell` with `Request[..]`/`Request.Form`), (2) save an
uploaded file to a path taken from the request
(`Request.Files[0].SaveAs(Server.MapPath(Request…))`), or (3) load or
evaluate code from base64 request data (`Assembly.Load(Convert.FromBase64String(Request…))`,
`eval(…FromBase64String(Request…))`).

## Why it matters
These are the building blocks of every ASP.NET web shell, including the
small custom ones written for single intrusions that no family rule knows.

## Indicators
FS-05.

## Example
Fires on (defanged): `ProcessStartInfo("cm d.exe", "/c " + Request.Form["c"])`
(without the space). Not flagged: an admin page running a fixed program.

## Known false positives
Internal "run a diagnostic" pages written by administrators can combine
`Process.Start` with a request parameter; they are dangerous anyway and
worth review. Upload pages that save to a server-chosen path are not
flagged.

## Response
Open the file in a text viewer: if it runs request-supplied commands or
code it is a web shell (handle as compromise); if it is an internal tool,
remove it from the public site.
*/

rule vigie_aspx_exec_request
{
    meta:
        vigie_code = "VG-WEB011"
        description = "ASP.NET page runs a process or code taken from the request"
        impact = "Anyone who can reach the page can run commands or code on the server."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1059.003"
        author = "vigie"
        remediation = "Review the page: if it executes request-supplied commands it is a web shell; remove it after keeping a copy and investigate."
    strings:
        $page = /<%@\s*(Page|WebHandler|WebService)\b/ nocase
        $cs_using = /using\s+System\.Web\s*;/
        $proc1 = "ProcessStartInfo" nocase
        $proc2 = /Process\s*\.\s*Start\s*\(/ nocase
        $shell = /(cmd(\.exe)?|powershell(\.exe)?)["']/ nocase
        $req = /Request\s*(\.\s*(Form|QueryString|Item|Params))?\s*\[/ nocase
        $req_vb = /Request\s*(\.\s*(Form|QueryString|Item|Params))?\s*\(\s*["']/ nocase
        $save = /\.SaveAs\s*\(\s*(Server\.MapPath\s*\(\s*)?(Request|Path\.Combine\s*\(\s*Request)/ nocase
        $load_b64 = /Assembly\s*\.\s*Load\s*\(\s*(System\.)?Convert\s*\.\s*FromBase64String\s*\(\s*(Context\.|HttpContext\.Current\.)?Request/ nocase
        $eval_b64 = /eval\s*\(\s*(System\.Text\.)?Encoding\.\w+\.GetString\s*\(\s*(System\.)?Convert\.FromBase64String\s*\(\s*(Context\.)?Request/ nocase
        $stdin_cmd = /StandardInput\s*\.\s*WriteLine\s*\(\s*Request/ nocase
        $args_req = /\.Arguments\s*=\s*[^;]{0,40}Request/ nocase
        $filename_req = /\.FileName\s*=\s*[^;]{0,40}Request/ nocase
        $start_req = /Process\s*\.\s*Start\s*\(\s*[^;]{0,60}Request/ nocase
    condition:
        filesize < 3MB and ($page or $cs_using) and (
            (any of ($proc*) and $shell and ($req or $req_vb)) or
            $args_req or $filename_req or $start_req or $stdin_cmd or
            $save or $load_b64 or $eval_b64
        )
}
