/*
# Known web-shell names in server-side pages

## What it does
Matches the names that well-known web shells print in their own page title,
banner or header comment (c99shell, c99madshell, Antichat Shell, b374k,
WSO "FilesMan", PhpSpy, JFolder, JspSpy, "jshell ver", ZehirIV, Kacak FSO,
KlasVayv, ASPYDrvsInfo, devilzShell, Antak, the ASP/JSP/PHP "_KIT" pages of
The Dark Raver, and others), but only in a file that also holds server-side
code (`<?`, `<%`, `<cf…`, `runat="server"`) and reads request data. A page
of text that merely mentions a shell's name does not match.

## Why it matters
These shells are shared and reused for years; their UI strings survive
re-packing, renaming of the file and small edits.

## Indicators
FS-05.

## Example
Fires on (defanged): a PHP page whose title is `c99 shell` (without the
space) and which reads `$_POST`.

## Known false positives
Security training material or scanners that embed a shell's source as a
test fixture. Documentation pages only mentioning a name lack the code and
the request access and are not matched.

## Response
The file is a known web shell: keep a copy, search the access logs for
requests to it, remove it and look for other dropped files.
*/

rule vigie_webshell_banner
{
    meta:
        vigie_code = "VG-WEB025"
        description = "Server-side page carries the banner of a known web shell"
        impact = "A known remote-administration web shell: commands, files and databases of the server for whoever holds it."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the file after keeping a copy, search the access logs for requests to it, rotate credentials and look for other dropped files."
    strings:
        $code1 = "<?"
        $code2 = "<%"
        $code3 = /<cf(if|set|param|output|file|execute)/ nocase
        $code4 = /runat\s*=\s*["']?server/ nocase
        $req1 = /\$_(GET|POST|REQUEST|COOKIE|FILES|SERVER)\b/
        $req2 = /\$HTTP_(POST|GET)_(VARS|FILES)/
        $req3 = /\bRequest\s*(\.\s*\w{2,20})?\s*[\[(]/ nocase
        $req4 = /request\.get(Parameter|InputStream|Header)/
        $req5 = /#\s*(form|url)\.\w+/ nocase
        $req6 = /\.Text\b/
        $b1 = "c99shell" nocase
        $b2 = "c99madshell" nocase
        $b3 = "Antichat Shell"
        $b4 = "b374k" nocase
        $b5 = "Private PHPShell"
        $b6 = "BY MACKER" nocase
        $b7 = "PHVayv"
        $b8 = "PhpFtp"
        $b9 = "Small Web Shell by ZaCo"
        $b10 = "SimAttacker"
        $b11 = "SST Sheller"
        $b12 = "WinX Shell"
        $b13 = "azrail 1.0"
        $b14 = "h4ntu shell"
        $b15 = "Cyber Shell"
        $b16 = "Worse Linux Shell"
        $b17 = "Weakerthan PHP Exec Shell"
        $b18 = "Win MOF Shell"
        $b19 = "<title>IIS SPY" nocase
        $b20 = "phpspy" nocase
        $b21 = "MySQL Web Shell"
        $b22 = "default_action = 'FilesMan'"
        $b23 = "Safe Mode Shell"
        $b24 = "upsi1on"
        $b25 = "PHP Shell 2.1"
        $b26 = "ZehirIV" nocase
        $b27 = "zehirhacker" nocase
        $b28 = "ASPYDrvsInfo"
        $b29 = "Kacak FSO"
        $b30 = "KlasVayv"
        $b31 = "inDEXER And ReaDer"
        $b32 = "HACKING CENTER"
        $b33 = "devilzShell" nocase
        $b34 = "ASP_KIT"
        $b35 = "JSP_KIT"
        $b36 = "PHP_KIT"
        $b37 = "The Dark Raver"
        $b38 = "darkraver"
        $b40 = "Welcome To AK Team"
        $b41 = "JFolder"
        $b42 = "jshell ver 0.1"
        $b43 = "JspWebShell By"
        $b44 = "JspDo Code By"
        $b45 = "Hideshell.jsp"
        $b46 = "<title>JSP Shell</title>"
        $b47 = "JspSpy" nocase
        $b48 = "Antak Webshell"
        $b49 = "asp.net webshell" nocase
        $b50 = "WebSniff 1.0"
        $b51 = "<title>ASPX Shell</title>"
        $b52 = "<title>CFM shell</title>" nocase
        $b53 = "ASPyQAnalyser"
        $b54 = "\"ASPsh\""
        $b55 = "RedHat Hacker"
        $b56 = "80sec" nocase
        $b57 = "Expdoor.com"
        $b58 = "Webshell" fullword
        $b59 = "STHx"
        $b60 = "Remote Explorer"
        $b61 = "AntSword" nocase
    condition:
        filesize < 3MB and any of ($code*) and any of ($req*) and any of ($b*)
}
