/*
# Generic JSP execution primitives

## What it does
Finds JSP/JSPX pages that run an OS command or load code fed by the request:
`Runtime.getRuntime().exec(…)` or `new ProcessBuilder(…)` with a
non-constant argument (also reached by
reflection through `java.lang.Runtime` / `getMethod("exec")`) in a page that
reads `request.getParameter`, and class loaders that define classes from
base64 request data (`defineClass` + `Base64` + request), the basis of
Java "memory shells".

## Why it matters
JSP shells (JspSpy, JFolder, cmd.jsp and countless custom ones) give command
execution on Java application servers; memory-shell loaders leave no file
once they ran, so the loader page is the only artefact.

## Indicators
FS-05.

## Example
Fires on (defanged): `Runtime.getRuntime().ex ec(request.getParameter("cmd"))`
(without the space). Not flagged: a JSP that only reads parameters.

## Known false positives
Administration consoles that deliberately run commands (rare, and should not
be public).

## Response
Read the page; if request data reaches the command, treat as compromise:
keep a copy, check access logs, remove, rotate credentials.
*/

rule vigie_jsp_exec_request
{
    meta:
        vigie_code = "VG-WEB016"
        description = "JSP page runs a command or loads code fed by the request"
        impact = "Anyone who can reach the page can run commands or code on the application server."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1059"
        author = "vigie"
        remediation = "Remove the page after keeping a copy, check the access logs for requests to it, rotate credentials of the application server."
    strings:
        $jsp1 = /<%[@!=]?/
        $jsp2 = "jsp:scriptlet"
        $jsp3 = "jsp:declaration"
        $exec1 = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(\s*("[^"]{0,80}"\s*\+\s*)?(new\s+String\s*\[\s*\]\s*\{[^}]{0,120})?[A-Za-z_]/
        $exec2 = /new\s+ProcessBuilder\s*\(\s*("[^"]{0,80}"\s*\+\s*)?[A-Za-z_]/
        $exec3 = /getMethod\s*\(\s*"exec"/
        $exec4 = "\"java.lang.Runtime\""
        $exec5 = /new\s+String\s*\(\s*new\s+byte\s*\[\s*\]\s*\{\s*106\s*,\s*97\s*,\s*118\s*,\s*97/
        $req = /request\s*\.\s*get(Parameter|Header|InputStream|Reader)\s*\(/
        $write = /FileOutputStream\s*\([^;]{0,160}request\s*\.\s*getParameter/
        $define = "defineClass"
        $b64 = /(BASE64Decoder|Base64\.getDecoder|decodeBuffer|parseBase64Binary)/
    condition:
        filesize < 3MB and any of ($jsp*) and $req and (any of ($exec*) or $write or ($define and $b64))
}
