/*
# ASP.NET web shells driven by form controls, JScript eval tricks, sniffers

## What it does
Four rules for .NET pages (.aspx/.ashx/.asmx, also when saved as text or in
UTF-16). (1) A page that starts a process whose program, arguments or
standard input come from a form control or a request field
(`ProcessStartInfo(xpath.Text)`, `.Arguments = "/c " + cmd`, `.FileName = shell;`,
`StandardInput.WriteLine(x)` with `x = context.Request["x"]`), in a page
that mentions `cmd`; or a page that writes a file to a path typed into a
form (`new StreamWriter(txtPath.Text)`, `PostedFile.SaveAs(txt.Text)`).
(2) JScript.NET `eval` tricks: `eval` of a base64-decoded string, or
`eval(x, "u"+"nsafe")` with the word `unsafe` rebuilt from pieces.
(3) Raw-socket sniffers in a page (`SocketType.Raw` + `IOControl`), and XSLT
pages whose `msxsl:script` runs code (`ActiveXObject`, `WScript.Shell`,
`System.Diagnostics.Process`) — the latter for any server-side language.
(4) Consoles: a page that runs SQL typed into a form on a connection
string also typed into the form, or that lists directories and serves
files whose paths come from `Request["dir"]`/`Request["file"]`.

## Why it matters
Many ASP.NET shells use server controls instead of `Request[…]`, which
plain request-to-exec rules miss; JScript eval tricks are the disguise of
China-Chopper-style one-liners on IIS and Exchange.

## Indicators
FS-05.

## Example
Fires on (defanged): `psi.FileName = "cm d.exe"; psi.Arguments = "/c " + txtArg.Text;`
(without the space), and on `eval(Encoding.UTF8.GetString(Convert.FromBase64String("…")), "un safe")`
in a JScript page (same).

## Known false positives
Internal diagnostic pages that run a command typed by an operator. They
are remote shells by design and should not be public.

## Response
Read the page; if it runs typed commands or writes typed paths, handle as
a web shell: keep a copy, check the IIS logs, remove it, rotate credentials.
*/

rule vigie_aspx_form_driven_shell
{
    meta:
        vigie_code = "VG-WEB033"
        description = "ASP.NET page starts a process or writes a file from form controls or request fields"
        impact = "Anyone who can reach the page can run commands or write files on the server."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1059.003"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Review the page; if it runs typed commands, remove it after keeping a copy and investigate the server."
    strings:
        $page = /<%@\s*(Page|WebHandler|WebService)\b/ nocase
        $runat = /runat\s*=\s*["']?server/ nocase
        $psi = /(ProcessStartInfo|\.StartInfo\b|Process\.Start\s*\()/ nocase
        $psi_var = /ProcessStartInfo\s*\(\s*[A-Za-z_][\w.]{0,40}\s*[,)]/
        $args_var = /\.Arguments\s*=\s*("[^"\r\n]{0,20}"\s*[+&]\s*)?[A-Za-z_][\w.]{0,40}/
        $stdin_var = /StandardInput\s*\.\s*WriteLine\s*\(\s*[A-Za-z_][\w.]{0,40}\s*\)/
        $cmd = /\bcmd(\.exe)?\b/ nocase
        $ctl = /\.Text\b/ nocase
        $fname_var = /\.FileName\s*=\s*[A-Za-z_][\w.]{0,40}\s*;/
        $req = /Request\s*(\.\s*(Form|QueryString|Item|Params))?\s*[\[(]/ nocase
        $sw = /new\s+(System\.IO\.)?StreamWriter\s*\(\s*(this\.)?\w{1,30}\.Text\b/
        $wat = /File\s*\.\s*(WriteAllText|WriteAllBytes|AppendAllText)\s*\(\s*(this\.)?\w{1,30}\.Text\b/
        $saveas = /\.SaveAs\s*\(\s*(this\.)?\w{1,30}\.Text\b/
        $w_psi = "ProcessStartInfo" wide
        $w_args = ".Arguments" wide
        $w_si = ".StartInfo." wide
        $w_ctl = ".Text;" wide
        $w_page = "Page Language" wide
    condition:
        filesize < 3MB and ($page or $runat) and (
            ($psi and ($psi_var or $args_var or $stdin_var or $fname_var) and $cmd and ($ctl or $req)) or
            $sw or $wat or $saveas
        ) or
        (filesize < 3MB and $w_page and ($w_psi or ($w_si and $w_ctl)) and $w_args)
}

rule vigie_aspx_jscript_eval_trick
{
    meta:
        vigie_code = "VG-WEB034"
        description = "JScript.NET page evaluates base64-decoded text or rebuilds \"unsafe\" for eval"
        impact = "A disguised China-Chopper-style page: it runs code posted by the attacker."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the page after keeping a copy, search the IIS logs for POSTs to it, rotate credentials used on the server."
    strings:
        $js = /(Language\s*=\s*["']?\s*J(ava)?Script|language\s*=\s*["']?JScript)/ nocase
        $eval_b64 = /eval\s*\(\s*(System\.Text\.)?Encoding\s*\.\s*[\w().]{1,40}\s*\.\s*GetString\s*\(\s*(System\.)?Convert\s*\.\s*FromBase64String/ nocase
        $eval2 = /\beval\s*\(\s*(\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*)?\w{1,20}\s*(\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*)?,/
        $b64 = "FromBase64String" nocase
        $unsafe_split = /["'](un?["']\s*\+\s*["']n?s|u["']\s*\+\s*["']n["']\s*\+\s*["']s)/ nocase
        $afe = /["'](afe|safe)["']/ nocase
    condition:
        filesize < 1MB and $js and ($eval_b64 or ($eval2 and ($unsafe_split or ($afe and $b64))))
}

rule vigie_server_script_sniffer_or_xslt_exec
{
    meta:
        vigie_code = "VG-WEB035"
        description = "Server page opens a raw sniffing socket, or runs commands from an XSLT msxsl:script block"
        impact = "Traffic capture on the server (passwords in clear-text protocols) or command execution hidden in a stylesheet."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1040, T1220"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1220/"
        remediation = "Remove the page after keeping a copy; treat credentials that crossed the server as exposed."
    strings:
        $code1 = "<%"
        $code2 = /runat\s*=\s*["']?server/ nocase
        $raw = "SocketType.Raw"
        $ioctl = "IOControl"
        $msxsl = "msxsl:script"
        $x1 = /wscript\.shell/ nocase
        $x2 = "ActiveXObject"
        $x3 = "System.Diagnostics"
        $x4 = /Process\s*\.\s*Start/
        $transform = /(transformNode|XslCompiledTransform|XslTransform|\.Transform\s*\()/ nocase
    condition:
        filesize < 2MB and any of ($code*) and (
            ($raw and $ioctl) or
            ($msxsl and $transform and any of ($x*))
        )
}

rule vigie_aspx_sql_or_file_console
{
    meta:
        vigie_code = "VG-WEB039"
        description = "ASP.NET page runs SQL typed by the visitor on a connection string also typed by the visitor, or browses and serves any path given in the request"
        impact = "Anyone who can reach the page can read and change any database the server can reach, or download any file."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1213, T1005"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the page after keeping a copy, review the IIS logs for requests to it and rotate the database credentials it could reach."
    strings:
        $page = /<%@\s*(Page|WebHandler|WebService|Import)\b/ nocase
        $conn_typed = /ConnectionString\s*=\s*[^;]{0,80}\b\w{1,30}\.Text\b/
        $conn_typed2 = /new\s+(Sql|OleDb|Odbc)Connection\s*\(\s*(this\.)?\w{1,30}\.Text\b/
        $cmd_typed = /new\s+(Sql|OleDb|Odbc)Command\s*\(\s*(this\.)?\w{1,30}\.Text\b/
        $cmd_typed2 = /CommandText\s*=\s*(this\.)?\w{1,30}\.(Text|SelectedValue)\b/
        $cmd_typed3 = /new\s+(Sql|OleDb|Odbc)Command\s*\(\s*(this\.)?\w{1,30}\.(SelectedValue|SelectedItem\.Value)\b/
        $dir_req = /\w{1,30}\s*=\s*Request\s*(\.\s*(Params|QueryString|Form))?\s*\[\s*"(dir|directory|path|folder)"\s*\]/ nocase
        $file_req = /\w{1,30}\s*=\s*Request\s*(\.\s*(Params|QueryString|Form))?\s*\[\s*"(file|filename|f)"\s*\]/ nocase
        $list = /(GetFiles|GetDirectories|GetFileSystemInfos)\s*\(/
        $serve = /(WriteFile|TransmitFile|File\s*\.\s*ReadAllBytes|File\s*\.\s*OpenRead)\s*\(/
    condition:
        filesize < 1MB and $page and (
            (($conn_typed or $conn_typed2) and ($cmd_typed or $cmd_typed2 or $cmd_typed3)) or
            ($dir_req and $file_req and $list and $serve)
        )
}
