/*
# Generic PHP execution primitives

## What it does
Four rules for PHP code that runs attacker input: (1) an OS-command function
(`system`, `passthru`, `shell_exec`, `exec`, `popen`, `proc_open`,
backticks) called directly on `$_GET`/`$_POST`/`$_REQUEST`/`$_COOKIE`, or,
in a script under 4 KB, on a variable assigned from them
(`$cmd = $_REQUEST['cmd']; system($cmd);`);
(2) `eval`/`assert` of a decoded blob (`eval(gzinflate(base64_decode(…)))`),
the usual packing of PHP shells; (3) dynamic code from request data:
`create_function` or `preg_replace` with the `/e` modifier fed by the
request, or a function whose name comes from the request
(`$_GET['f']($_GET['a'])`, `call_user_func($_POST[…])`, `array_map($_POST[…])`);
(4) the "toolkit" shells (c99, r57, WSO, b374k and kin): several command
functions plus system reconnaissance strings (`uname -a`, `/etc/passwd`,
`disable_functions`, back-connect) in one file that reads request data.

## Why it matters
PHP web shells are the most common web shells; many are unique or
obfuscated, so structure matters more than names.

## Indicators
FS-05.

## Example
Fires on (defanged): `<?php sys tem($_GET['c']); ?>` (without the space).
Not flagged: `system('ls')` with a constant, or `eval` of a config string.

## Known false positives
Rule (2) also fires on commercial code packed with the same trick (rare in
open-source applications, which ship readable source). Rule (4) can fire on
server-administration panels that deliberately offer a shell; those should
not be reachable from the Internet either.

## Response
Read the file: request data reaching a command or `eval` is a web shell;
handle the host as compromised (keep a copy, check access logs, remove,
rotate credentials).
*/

rule vigie_php_exec_request
{
    meta:
        vigie_code = "VG-WEB012"
        description = "PHP runs an OS command taken straight from the request"
        impact = "Anyone who can reach the file can run shell commands on the server."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003, T1059.004"
        author = "vigie"
        remediation = "Remove the file after keeping a copy, search the access logs for requests to it, rotate credentials of the application."
    strings:
        $a = /\b(system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec)\s*\(\s*(@\s*)?((stripslashes|urldecode|base64_decode|trim)\s*\(\s*)?\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        $b = /(=|echo|print|\()\s*`\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]`]{1,30}\]\s*`/
        $assign = /\$\w{1,20}\s*=\s*\(?\s*(stripslashes\s*\(\s*|trim\s*\(\s*|str_replace\s*\([^;]{1,30},\s*)?\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        $run_var = /\b(system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*\$\w{1,20}\s*[,)]/ nocase
    condition:
        filesize < 2MB and ($a or $b or (filesize < 4KB and $assign and $run_var))
}

rule vigie_php_eval_decoded
{
    meta:
        vigie_code = "VG-WEB013"
        description = "PHP evaluates a decoded or decompressed blob (packed web shell)"
        impact = "Hidden PHP code runs on every request; this packing is the usual disguise of web shells."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        remediation = "Decode the blob offline (never by running the file) and check what it does; remove the file if it is a shell."
    strings:
        $a = /(eval|assert)\s*\(\s*(@\s*)?(["']\?>["']\s*\.\s*)?(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode|strrev|convert_uudecode)\s*\(\s*(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode|strrev|convert_uudecode|["'$])/ nocase
        $b = /\$\w+\s*=\s*["']base64_decode["']\s*;[^\n]{0,200}eval\s*\(/ nocase
    condition:
        filesize < 3MB and any of them
}

rule vigie_php_dynamic_code_request
{
    meta:
        vigie_code = "VG-WEB014"
        description = "PHP builds or calls code named by the request (create_function, preg_replace /e, variable function)"
        impact = "Anyone who can reach the file can run PHP code on the server."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the file after keeping a copy, search the access logs for requests to it, rotate credentials of the application."
    strings:
        $cf = /create_function\s*\([^;]{0,120}\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        $pr = /preg_replace\s*\(\s*["'][\/#~|@!].{0,60}[\/#~|@!][imsuxADSUXJ]*e[imsuxADSUXJ]*["']\s*,\s*[^;]{0,80}\$_(GET|POST|REQUEST|COOKIE)/
        $vf = /\$_(GET|POST|REQUEST|COOKIE)\s*\[\s*["']?\w{0,20}["']?\s*\]\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $cuf = /(call_user_func(_array)?|register_shutdown_function)\s*\(\s*(@\s*)?\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,30}\]\s*[,)]/ nocase
        $map = /array_map\s*\(\s*(@\s*)?\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,30}\]\s*,/ nocase
    condition:
        filesize < 2MB and any of them
}

rule vigie_php_shell_toolkit
{
    meta:
        vigie_code = "VG-WEB015"
        description = "PHP web shell toolkit (command execution plus system reconnaissance)"
        impact = "A full remote-administration console for the attacker: commands, files, databases, back-connect."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the file after keeping a copy, search the access logs for requests to it, rotate credentials and look for other dropped files."
    strings:
        $x1 = /\bshell_exec\s*\(/ nocase
        $x2 = /\bpassthru\s*\(/ nocase
        $x3 = /\bsystem\s*\(\s*\$/ nocase
        $x4 = /\bpopen\s*\(\s*\$/ nocase
        $x5 = /\bproc_open\s*\(/ nocase
        $x6 = /\bexec\s*\(\s*\$/ nocase
        $r1 = "uname -a" nocase
        $r2 = "/etc/passwd"
        $r3 = "disable_functions" nocase
        $r4 = /back[\s_-]?connect/ nocase
        $r5 = "netstat -an" nocase
        $r6 = "safe_mode" nocase
        $r7 = "posix_getpwuid" nocase
        $r8 = "/bin/sh" nocase
        $r9 = "cmd.exe" nocase
        $r10 = /bind\s*port/ nocase
        $req = /\$_(POST|GET|REQUEST)\s*\[/
    condition:
        filesize < 3MB and $req and 2 of ($x*) and 3 of ($r*)
}

rule vigie_php_small_dynamic_exec
{
    meta:
        vigie_code = "VG-WEB019"
        description = "Small PHP script feeds request data to dynamic code execution (obfuscated one-liner)"
        impact = "A few lines that run attacker-supplied PHP: the usual shape of an obfuscated one-liner web shell."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        remediation = "Read the file; if request data reaches eval/assert or a dynamically named function, remove it after keeping a copy and investigate the server."
    strings:
        $php = "<?"
        $req = /\$_(POST|GET|REQUEST|COOKIE)\s*\[/
        $req2 = /\$\{?\s*["']?_(POST|GET|REQUEST|COOKIE)["']?\s*\}?/
        $e1 = /\b(eval|assert)\s*\(\s*(@\s*)?[$A-Za-z_]/ nocase
        $e2 = /preg_replace\s*\(\s*["'][\/#~|@!].{0,40}[\/#~|@!][a-zA-Z]*e[a-zA-Z]*["']/
        $e3 = "create_function" nocase
        $e4 = /\$\w{1,20}\s*\(\s*\$\w{1,20}\s*\)\s*;/
        $e5 = /\$\w{1,20}\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)/
        $o1 = "str_rot13" nocase
        $o2 = "strrev" nocase
        $o3 = "base64_decode" nocase
        $o4 = /str_replace\s*\(\s*["'][^"']{1,4}["']\s*,\s*["']["']\s*,/ nocase
        $o5 = /["']a["']\s*\.\s*["']s/ nocase
        $o6 = "chr(" nocase
    condition:
        filesize < 4KB and $php and ($req or $req2) and (
            $e1 or $e2 or $e3 or $e5 or ($e4 and any of ($o*))
        )
}
