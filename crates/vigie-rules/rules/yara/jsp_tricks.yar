/*
# JSP web shells: indirect command execution, file droppers, class injectors

## What it does
Three rules for JSP/JSPX pages. (1) Command execution reached indirectly:
`Runtime rt = Runtime.getRuntime(); … rt.exec(cmd)` with a variable, the
`java.beans.Expression(Runtime.getRuntime(), "exec", …)` trick, or a
reverse shell (`new Socket(host, port)` + `exec`), `jdk.jshell.JShell`
evaluating a parameter, or `java.lang.ProcessBuilder` / `java.lang.Runtime`
named in base64 and reached by reflection, in a page that reads
`request.getParameter`; also matched in UTF-16 pages. (2) Droppers: a small
page that writes a file whose path and content are request parameters
(`new FileOutputStream(path)` + `write(content.getBytes())`). (3) Code
injectors: a page that embeds a base64 Java class (`yv66vg…`, the encoding
of the class-file magic `CAFEBABE`) and defines or loads it, a page that
defines classes through a class loader next to servlet-context reflection
(memory shells), a page that registers a WebSocket endpoint at run time
(`ServerEndpointConfig` + `addEndpoint`), and pages written in `\uXXXX`
escapes to hide their source.

## Why it matters
JSP shells are often short custom pages; memory-shell injectors leave only
the loader page behind once they ran.

## Indicators
FS-05.

## Example
Fires on (defanged): `Runtime r = Runtime.getRuntime(); Process p = r.ex ec(request.getParameter("c"));`
(without the space), split over two statements.

## Known false positives
Administration pages that run a command chosen by an operator; they should
not be reachable from the Internet. Tomcat's own examples do not match.

## Response
Read the page; request data reaching `exec`, a file write or a class
loader is a web shell or injector: keep a copy, check the access logs,
remove it, restart the application server (memory shells live until
restart) and rotate credentials.
*/

rule vigie_jsp_indirect_exec
{
    meta:
        vigie_code = "VG-WEB030"
        description = "JSP page runs a command through a Runtime/Expression object or a reverse-shell socket, fed by request parameters"
        impact = "Anyone who can reach the page can run commands on the application server."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1059"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the page after keeping a copy, check the access logs for requests to it, rotate credentials of the application server."
    strings:
        $jsp = /<%[@!=]?|jsp:(scriptlet|directive)/
        $req = /(request|req|getRequest\s*\(\s*\))\s*\.\s*getParameter\s*\(/
        $rt = /Runtime\s*\.\s*getRuntime\s*\(\s*\)/
        $exec_any = /\.\s*exec\s*\(/
        $jshell = /JShell\s*\.\s*(builder|create)\s*\(/
        $jshell_eval = /\.eval\s*\(\s*request\s*\.\s*getParameter/
        $b64_pb = "amF2YS5sYW5nLlByb2Nlc3NCdWlsZGVy"
        $b64_rt = "amF2YS5sYW5nLlJ1bnRpbWU"
        $reflect = /(getMethod|getDeclaredMethod|getDeclaredConstructors?)\s*\(/
        $exec_var = /\b\w{1,20}\s*\.\s*exec\s*\(\s*(new\s+String\s*\[\s*\]\s*\{\s*)?[a-zA-Z_]/
        $expr = /new\s+(java\.beans\.)?Expression\s*\(\s*Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*,\s*"exec"/
        $sock = /new\s+Socket\s*\(\s*\w{1,30}\s*,/
        $w_jsp = "<%" wide
        $w_req = "request.getParameter" wide
        $w_rt = "Runtime.getRuntime()" wide
        $w_exec = ".exec(" wide
    condition:
        filesize < 3MB and (
            ($jsp and $req and (($rt and $exec_var) or $expr)) or
            ($jsp and $sock and $rt and $exec_any and $req) or
            ($jsp and $jshell and $jshell_eval) or
            ($jsp and $req and ($b64_pb or $b64_rt) and $reflect) or
            ($w_jsp and $w_req and $w_rt and $w_exec)
        )
}

rule vigie_jsp_file_dropper
{
    meta:
        vigie_code = "VG-WEB031"
        description = "Small JSP page writes a file whose path and content come from request parameters"
        impact = "Anyone who can reach the page can write a full web shell anywhere the server may write."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1105"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1105/"
        remediation = "Remove the page after keeping a copy; find in the access logs the files written through it and remove them."
    strings:
        $jsp = /<%[@!=]?|jsp:(scriptlet|directive)/
        $req = /request\s*\.\s*getParameter\s*\(/
        $fos = /new\s+(FileOutputStream|FileWriter|PrintWriter|RandomAccessFile)\s*\(\s*(new\s+File\s*\(\s*)?[a-zA-Z_]\w{0,30}\s*[,)]/
        $write = /\.\s*(write|print|println)\s*\(\s*\w{1,30}(\s*\.\s*getBytes\s*\(\s*[^)]{0,20}\))?\s*\)/
        $form = /<(textarea|input)\b/ nocase
        $upload = "multipart/form-data" nocase
    condition:
        filesize < 12KB and $jsp and #req >= 2 and $fos and $write and ($form or $upload)
}

rule vigie_jsp_class_injector
{
    meta:
        vigie_code = "VG-WEB032"
        description = "JSP page injects code: embedded base64 class, class definition with servlet reflection, run-time WebSocket endpoint, or unicode-escaped source"
        impact = "Loads attacker code into the application server (often a memory shell that survives deletion of the page)."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1620"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1620/"
        remediation = "Keep a copy, remove the page, restart the application server to drop in-memory implants, and review access logs and credentials."
    strings:
        $jsp = /<%[@!=]?|jsp:(scriptlet|directive)/
        $class_b64 = "yv66vg"
        $define = "defineClass"
        $load = /(loadClass|ClassLoader|getDeclaredMethod|newInstance)/
        $ctx = /(ServletContext|StandardContext|ApplicationContext)/
        $field = "getDeclaredField"
        $req = /request\s*\.\s*getParameter\s*\(/
        $ws1 = "ServerEndpointConfig"
        $ws2 = /\.addEndpoint\s*\(/
        $uesc = /\\u00[2-7][0-9a-fA-F]\\u00[2-7][0-9a-fA-F]\\u00[2-7][0-9a-fA-F]/
        $java = /(import\s*=\s*"java|java\.(io|lang|util|net)\.)/
    condition:
        filesize < 3MB and (
            ($class_b64 and $define and $load)
        ) or
        filesize < 3MB and $jsp and (
            ($class_b64 and ($define or $load)) or
            ($define and $ctx and $field and $req) or
            ($ws1 and $ws2) or
            (#uesc >= 30 and $java)
        )
}
