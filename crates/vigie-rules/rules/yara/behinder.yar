/*
# Behinder (Rebeyond)

## What it does
Finds the server stubs of Behinder ("Rebeyond"), for PHP, ASPX, JSP and
ASP: the stub reads the raw request body, decrypts it with a 16-byte key
kept in the session (AES, or XOR when AES is unavailable) and runs the
result: `eval` in PHP, `Assembly.Load(...).CreateInstance` in .NET,
`ClassLoader.defineClass(...).newInstance()` in Java, `execute` in ASP.

## Why it matters
Behinder traffic is encrypted and its stub holds no command text, so
string-based shell scanners miss it. It was used in Exchange and SharePoint
intrusions.

## Indicators
FS-05.

## Example
Fires on (defanged) a PHP file with `file_get_contents("php://input")`,
`openssl_decrypt($post, "AES128", $key)` and `$_SESSION['k']`, or a JSP
with `extends ClassLoader`, `defineClass` and `request.getReader().readLine()`.

## Known false positives
The default key `e45e329feb5d925b` is specific. The structural conditions
need decryption of the request body plus dynamic code loading together;
legitimate code does not do both.

## Response
Remove after keeping a copy; assume arbitrary code ran as the web
application; hunt for follow-on persistence.
*/

rule vigie_behinder
{
    meta:
        vigie_code = "VG-WEB008"
        description = "Behinder (Rebeyond) encrypted web shell stub"
        impact = "Encrypted remote code execution channel for the attacker."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003, T1573"
        author = "vigie"
        remediation = "Remove the stub after keeping a copy, hunt for follow-on persistence and rebuild the server if code ran."
    strings:
        $key = "e45e329feb5d925b"
        $php_in = "php://input"
        $php_dec = /openssl_decrypt\s*\(\s*\$\w+\s*,\s*["']AES128["']/ nocase
        $php_sess = /\$_SESSION\s*\[\s*["']k["']\s*\]/
        $php_eval = /eval\s*\(\s*\$\w+\s*\.\s*["']["']\s*\)/
        $net_read = "Request.BinaryRead(Request.ContentLength)" nocase
        $net_load = "Assembly.Load(" nocase
        $net_dec = /CreateDecryptor\s*\(\s*\w{1,20}\s*,\s*\w{1,20}\s*\)/
        $jv_loader = "extends ClassLoader"
        $jv_define = "defineClass"
        $jv_body = "request.getReader().readLine()"
        $jv_aes = /Cipher\.getInstance\s*\(\s*"AES"/
        $asp_read = "Request.BinaryRead(" nocase
        $asp_xor = /Xor\s+Asc\s*\(\s*Mid\s*\(\s*k\s*,/ nocase
        $asp_exec = /\bexecute\s*\(?\s*result/ nocase
    condition:
        filesize < 500KB and (
            ($key and ($php_in or $php_sess or $net_load or $jv_define or $asp_read)) or
            ($php_in and $php_dec and ($php_sess or $php_eval)) or
            ($net_read and $net_load and $net_dec) or
            ($jv_loader and $jv_define and $jv_body and $jv_aes) or
            ($asp_read and $asp_xor and $asp_exec)
        )
}
