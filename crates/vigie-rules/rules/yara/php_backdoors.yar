/*
# PHP backdoors without a classic eval of $_POST

## What it does
Five rules. (1) Code taken from a request channel other than the usual
parameters: `include('php://input')`, `include($_GET[…])`,
`eval(getenv('HTTP_…'))`, `eval($_SERVER['HTTP_…'])`,
`eval(file_get_contents('php://input'))`, XPath `php:functionString('system', …)`,
`mb_ereg_replace(…, 'e')`, and "memory" loops that delete their own file and
keep evaluating code fetched from a URL. (2) File droppers: a script that
writes a file whose name and content both come from the request
(`file_put_contents($_POST['f'], $_POST['c'])`, `fopen($_POST['f'], 'w')` +
`fwrite(…$_POST…)`) or saves an upload under the client's own file name or a
request-chosen path (`copy($_FILES[…]['tmp_name'], $_FILES[…]['name'])`).
(3) PHP hidden behind an image header (`GIF89a`, PNG, JPEG magic) that
contains request-driven code, so that it passes naive upload filters.
(4) Back-connect and bind shells: a socket (`fsockopen`,
`stream_socket_server`, …) joined to `/bin/sh -i` or `cmd.exe` through
`proc_open`/`popen`/`system`. (5) File managers: a script that lists
directories and reads paths taken from the request, and also writes,
deletes, uploads or shows file content in a `<textarea>` for editing.

## Why it matters
These are the second stage of most intrusions: a tiny uploader or include
backdoor that later pulls the full shell.

## Indicators
FS-05.

## Example
Fires on (defanged): `<?php inc lude('php://input'); ?>` (without the space),
and on `<?php file_put_con tents($_POST['f'], $_POST['c']); ?>` (same).

## Known false positives
Rule (1) also matches the interactive console of Google App Engine's local
development server (`devappserver2/php/runtime/setup.php` evaluates the
request body by design); it must never be deployed on a reachable server.
Rule (5) matches deliberately installed PHP file managers; those belong
behind authentication and outside the public web root. Upload handlers of very old tutorials save files under the client's name;
they are dangerous anyway (anyone can upload a `.php`). Applications in the
benign test set (WordPress, phpMyAdmin, Roundcube, DokuWiki, Adminer) do not
match.

## Response
Treat as compromise: keep a copy, find in the access logs who posted to the
file and what it wrote, remove it and the files it dropped.
*/

rule vigie_php_code_from_request_channel
{
    meta:
        vigie_code = "VG-WEB022"
        description = "PHP runs code read from the raw request body, a header, an included request path or a remote loop"
        impact = "Anyone who can reach the file can run PHP code on the server."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the file after keeping a copy, search the access logs for requests to it, rotate the application's credentials."
    strings:
        $php = "<?"
        $inc_input = /(include|require)(_once)?\s*\(?\s*["']php:\/\/input/ nocase
        $inc_req = /(include|require)(_once)?\s*\(?\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        $eval_env = /(eval|assert)\s*\(\s*@?(getenv\s*\(\s*["']HTTP_|\$_SERVER\s*\[\s*["']HTTP_|file_get_contents\s*\(\s*["']php:\/\/input|getallheaders\s*\(\s*\)\s*\[)/ nocase
        $xpath_fn = /php:function(String)?\s*\(\s*\\?["'](system|exec|passthru|shell_exec|assert|popen)["']/ nocase
        $mb_e = /mb_eregi?_replace\s*\([^;]{1,120},\s*["'][a-z]{0,4}e[a-z]{0,4}["']\s*\)/ nocase
        $self_del = /unlink\s*\(\s*(__FILE__|\$_SERVER\s*\[\s*["']SCRIPT_FILENAME)/ nocase
        $abort = "ignore_user_abort" nocase
        $loop_eval = /while\s*\(\s*\$\w{1,20}\s*=\s*file_get_contents\s*\([^)]{1,60}\)\s*\)\s*\{?\s*@?eval\s*\(/ nocase
        $input_read = /file_get_contents\s*\(\s*["']php:\/\/input["']\s*\)/ nocase
        $eval_var = /\beval\s*\(\s*\$\w{1,20}/ nocase
        $xor_key = /\+\s?1\s?&\s?15\s?\]/
    condition:
        filesize < 2MB and $php and (
            ($input_read and $eval_var and $xor_key) or
            $inc_input or $inc_req or $eval_env or $xpath_fn or $mb_e or
            ($self_del and $abort and $loop_eval)
        )
}

rule vigie_php_file_dropper
{
    meta:
        vigie_code = "VG-WEB023"
        description = "PHP writes a file whose name and content come from the request, or keeps an upload under a client-chosen name"
        impact = "Anyone who can reach the script can write any file, including a full web shell, into the web root."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1105"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1105/"
        remediation = "Remove the script after keeping a copy; list the files it wrote (access logs: POSTs to it) and remove them too."
    strings:
        $php = "<?"
        $fpc = /file_put_contents\s*\(\s*\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[[^\]]{1,40}\]\s*,\s*[^;]{0,80}(\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[|base64_decode|file_get_contents)/ nocase
        $fopen = /fopen\s*\(\s*\$_(GET|POST|REQUEST)\s*\[[^\]]{1,40}\]\s*,\s*["'][wa]/ nocase
        $fwrite = /fwrite\s*\(\s*\$\w{1,20}\s*,\s*\$_(GET|POST|REQUEST)\s*\[/ nocase
        $up_name = /(copy|move_uploaded_file)\s*\(\s*\$(_FILES|HTTP_POST_FILES)\s*\[[^\]]{1,40}\]\s*\[\s*["']tmp_name["']\s*\]\s*,\s*(\$(_FILES|HTTP_POST_FILES)\s*\[[^\]]{1,40}\]\s*\[\s*["']name["']\s*\]|\$_(POST|GET|REQUEST)\s*\[)/ nocase
    condition:
        filesize < 1MB and $php and ($fpc or ($fopen and $fwrite) or $up_name)
}

rule vigie_php_in_image
{
    meta:
        vigie_code = "VG-WEB024"
        description = "Image header followed by request-driven PHP code (polyglot web shell)"
        impact = "A file that passes for an image but runs attacker input when PHP interprets it."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1036"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1036/"
        remediation = "Remove the file after keeping a copy; check how it was uploaded and whether the server executes PHP in upload folders."
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE|FILES)\s*\[/
        $code1 = /\b(eval|assert|system|passthru|shell_exec|move_uploaded_file|file_put_contents)\s*\(/ nocase
        $code2 = /<\?php/ nocase
    condition:
        filesize < 1MB and (uint32(0) == 0x38464947 or uint32(0) == 0x474e5089 or uint16(0) == 0xd8ff) and
        $req and $code1 and (#code1 >= 2 or #req >= 3 or $code2)
}

rule vigie_php_reverse_shell
{
    meta:
        vigie_code = "VG-WEB038"
        description = "PHP binds or connects a socket and attaches a system shell to it (back-connect / bind shell)"
        impact = "Gives the attacker an interactive shell on the server, outside the web server's request logs."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1059.004"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1059/004/"
        remediation = "Remove the script after keeping a copy, look for outgoing or listening connections of the web server's account, and investigate the host."
    strings:
        $php = "<?"
        $sock = /\b(fsockopen|pfsockopen|stream_socket_server|stream_socket_client|socket_create|socket_connect)\s*\(/ nocase
        $run = /\b(proc_open|popen|shell_exec|passthru|system|exec)\s*\(/ nocase
        $sh = /(\/bin\/(ba)?sh\s+-i|cmd\.exe)/ nocase
    condition:
        filesize < 200KB and $php and $sock and $run and $sh
}

rule vigie_php_file_manager
{
    meta:
        vigie_code = "VG-WEB040"
        description = "PHP file manager driven by request paths: lists directories, edits file content in a form, writes, deletes or uploads"
        impact = "Anyone who can reach the script can read, change and plant files anywhere the web server may write."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1005"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the script after keeping a copy unless it is a file manager you installed on purpose behind authentication; check the access logs for what it changed."
    strings:
        $php = "<?"
        $path_req = /(opendir|scandir|dir|glob|file_get_contents|fopen|is_dir|realpath|chdir)\s*\(\s*(base64_decode\s*\(\s*|urldecode\s*\(\s*|stripslashes\s*\(\s*)?\$_(GET|POST|REQUEST)\s*\[/ nocase
        $list = /\b(opendir|scandir|readdir)\s*\(/ nocase
        $edit = /<textarea[^>]{0,120}>\s*["']?\s*\.\s*(htmlspecialchars\s*\(\s*)?(file_get_contents|fread)\s*\(/ nocase
        $write = /\b(fwrite|file_put_contents|fputs)\s*\(/ nocase
        $write_req = /\b(file_put_contents|fwrite|fputs)\s*\([^;]{0,60}\$_(POST|GET|REQUEST)\s*\[/ nocase
        $fn_req = /\b\w{2,20}\s*\(\s*\$_(POST|GET|REQUEST)\s*\[\s*["'](file|path|f|p|filename)["']\s*\]\s*,\s*\$_(POST|GET|REQUEST)\s*\[\s*["'](data|content|text|c|code)["']\s*\]\s*\)/ nocase
        $del = /\b(unlink|rmdir)\s*\(/ nocase
        $up = "move_uploaded_file" nocase
        $chmod = /\bchmod\s*\(/ nocase
        $rename = /\brename\s*\(/ nocase
    condition:
        filesize < 300KB and $php and $list and (
            ($path_req and $write and $del and ($up or $edit)) or
            ($path_req and $write_req and ($edit or $up)) or
            ($fn_req and ($edit or $path_req)) or
            ($up and $del and $chmod and $rename and $path_req)
        )
}
