/*
# Classic ASP web shells: hidden execution, file droppers, encoded pages

## What it does
Five rules for classic ASP (VBScript/JScript). (1) Hidden execution:
`Execute`/`Eval` of a home-made decoder applied to a literal
(`Execute DeAsc("%119%136…")`, `Execute MorfiCoder(StrReverse-ed text)`,
`execute(unescape("eval%20request…"))`), the UTF-7 code page trick
(`<%@codepage=65000%>`), `MSScriptControl.ScriptControl` with
`AddObject`/`ExecuteStatement`, and JScript pages that build the word
`unsafe` from pieces for `eval(x, "unsafe")`. (2) Droppers: a small page
that writes a file with `Scripting.FileSystemObject` from form fields
(path and content posted through a `<textarea>`), or downloads a file with
`Microsoft.XMLHTTP` and saves it with `ADODB.Stream.SaveToFile`. (3) Pages
encoded with the Script Encoder (`VBScript.Encode`, `#@~^…^#~@`) that
also carry shell settings in clear (`UserPass=`, `ScriptTimeout=999999999`,
"webshell"). (4) An encoded page without those settings, reported at low
severity only, for review. (5) Time-stomping pages: `Shell.Application`
`ParseName(…).ModifyDate = …` driven by form fields, used to backdate
dropped files.

## Why it matters
Classic ASP shells are tiny and are rewritten endlessly to dodge signature
scanners; the decoding trick, or the dropper structure, is what stays.

## Indicators
FS-05.

## Example
Fires on (defanged): `<% Exe cute DeAsc("%119%136%115") %>` with a `DeAsc`
function (without the space), and on `<%@codepage=65000%>` followed by
UTF-7 text.

## Known false positives
Rule (2): a small intranet page that lets an administrator edit a text file
through a form. Rule (4): old commercial ASP applications shipped encoded
with the Script Encoder (rare today); that is why it is low.

## Response
Read the page (decode encoded blocks offline with a Script Encoder
decoder). A page that executes decoded text or writes posted files is a
web shell or its dropper: keep a copy, check the IIS logs, remove it.
*/

rule vigie_asp_hidden_execute
{
    meta:
        vigie_code = "VG-WEB026"
        description = "Classic ASP executes decoded or rebuilt text (decoder function, UTF-7 page, ScriptControl, split \"unsafe\")"
        impact = "Hidden code, usually an eval of request data, runs on the server."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1027/"
        remediation = "Decode the literal offline; if it evaluates request data, remove the page after keeping a copy and investigate the server."
    strings:
        $asp1 = "<%"
        $asp2 = /<script[^>]{0,40}runat\s*=\s*["']?server/ nocase
        $exec_dec = /\b(execute|executeglobal|eval)\s*\(?\s*\w{1,20}\s*\(\s*"[^"\r\n]{12,}"/ nocase
        $utf7 = /<%@\s*codepage\s*=\s*65000/ nocase
        $addobj = /\.AddObject\s+"/ nocase
        $stmt = /\.(ExecuteStatement|Eval)\s*\(/ nocase
        $unsafe_split = /["'](un?["']\s*\+\s*["']n?s|u["']\s*\+\s*["']n["']\s*\+\s*["']s)/ nocase
        $afe = /["'](afe|safe)["']/ nocase
        $eval2 = /\beval\s*\(\s*(\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*)?\w{1,20}\s*(\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*)?,\s*(\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*)?(\w{1,20}|"u")/
        $exec_unescape = /\b(execute|executeglobal|eval)\s*\(?\s*(unescape|strreverse)\s*\(/ nocase
        $eval_alias = /\{\s*["']?\w{1,10}["']?\s*:\s*eval\s*\}/
        $func = /\bFunction\s+\w{1,20}\s*\(/
        $remote = /(MSXML2|Microsoft)\.(Server)?XMLHTTP/ nocase
        $exec_var = /\bexecute(global)?\s*\(?\s*\w{1,20}\s*\)?\s*(\r?\n|%>|:)/ nocase
        $chr_chain = /Chr\s*\(\s*\d{2,3}\s*\)\s*&\s*Chr\s*\(\s*\d{2,3}\s*\)\s*&\s*Chr/ nocase
        $chr = /\bChr[WB]?\s*\(/
    condition:
        filesize < 500KB and any of ($asp*) and (
            ($exec_dec and $func and $chr) or
            ($exec_dec and $func and filesize < 4KB) or
            $utf7 or ($addobj and $stmt) or ($remote and $exec_var and $chr_chain) or $exec_unescape or $eval_alias or
            ($eval2 and ($unsafe_split or $afe))
        )
}

rule vigie_asp_dropper
{
    meta:
        vigie_code = "VG-WEB027"
        description = "Small classic ASP page writes posted text to a file, or downloads a file onto the server"
        impact = "Anyone who can reach the page can drop a full web shell or a program on the server."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1105"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1105/"
        remediation = "Remove the page after keeping a copy; find in the IIS logs the files written through it and remove them."
    strings:
        $asp = "<%"
        $fso = /scripting\.filesystemobject/ nocase
        $fso_split = /"scri"\s*&\s*"pting|"scr"\s*&\s*"ipt"/ nocase
        $create = /\.(CreateTextFile|OpenTextFile)\s*\(/ nocase
        $write = /\.Write(Line)?\b/ nocase
        $req = /request\s*(\.\s*(form|querystring|item))?\s*\(/ nocase
        $textarea = "<textarea" nocase
        $xmlhttp = /(Microsoft|MSXML2)\.(Server)?XMLHTTP/ nocase
        $stream = "ADODB.Stream" nocase
        $save = /\.SaveToFile\b/ nocase
    condition:
        filesize < 20KB and $asp and (
            (($fso or $fso_split) and $create and $write and $req and $textarea) or
            ($xmlhttp and $stream and $save)
        )
}

rule vigie_asp_encoded_shell
{
    meta:
        vigie_code = "VG-WEB028"
        description = "Script-Encoded classic ASP page with web-shell settings in clear text"
        impact = "An encoded ASP web shell: the encoding hides its commands from scanners and reviewers."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1027/"
        remediation = "Decode the page offline with a Script Encoder decoder, confirm, then remove it after keeping a copy."
    strings:
        $enc = /#@~\^[A-Za-z0-9+\/]{6}==/
        $lang = /language\s*=\s*"?\s*VBScript\.Encode/ nocase
        $s1 = /UserPass\s*=/ nocase
        $s2 = /ScriptTimeout\s*=\s*9{6,}/ nocase
        $s3 = "webshell" nocase
        $s4 = /<title>[^<]{0,60}(hack|shell|muma)/ nocase
        $s5 = "On Error Resume Next" nocase
    condition:
        filesize < 3MB and $enc and $lang and (any of ($s1, $s2, $s3, $s4) or ($s5 and filesize < 4KB) or filesize < 1KB)
}

rule vigie_asp_encoded_page
{
    meta:
        vigie_code = "VG-WEB029"
        description = "Classic ASP page hidden with the Script Encoder (review)"
        impact = "The page's code cannot be read without decoding; encoded pages on a web server today are mostly malicious."
        severity = "low"
        stage = "compromise"
        confidence = "possible"
        indicators = "FS-05"
        attack = "T1027"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1027/"
        remediation = "Decode the page offline and review it; remove it if you do not know why it is there."
    strings:
        $enc = /#@~\^[A-Za-z0-9+\/]{6}==/
        $lang = /language\s*=\s*"?\s*VBScript\.Encode/ nocase
    condition:
        filesize < 3MB and $enc and $lang
}

rule vigie_asp_timestomp
{
    meta:
        vigie_code = "VG-WEB041"
        description = "Classic ASP page rewrites file dates through Shell.Application from form data (anti-forensics)"
        impact = "Lets an intruder backdate dropped files so that they blend in with the application's own files."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1070.006"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1070/006/"
        remediation = "Remove the page after keeping a copy; do not trust file modification dates in that site, use the IIS logs and MFT records instead."
    strings:
        $asp = "<%"
        $shapp = "Shell.Application" nocase
        $parse = /\.ParseName\s*\(/ nocase
        $mdate = /\.ModifyDate\s*=/ nocase
        $req = /request\s*(\.\s*(form|querystring|item))?\s*\(/ nocase
    condition:
        filesize < 200KB and $asp and $shapp and $parse and $mdate and $req
}
