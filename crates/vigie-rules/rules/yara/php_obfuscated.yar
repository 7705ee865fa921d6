/*
# Obfuscated PHP web shells

## What it does
Two rules for PHP that hides what it runs. (1) Loader tricks that no
readable application uses: function names spelled in `\x..` escapes
(`"\x65\x76\x61\x6c"` is `eval`), `${"\x47\x4c…"}` for `$GLOBALS`,
`$GLOBALS['k'][46].$GLOBALS['k'][0]…` character picking, names cut into
quoted pieces (`'ev'.'al'`, `'gz'.'inf'.'late'`, `'_de'.'code'`), names
hidden in junk and cleaned with `str_replace`
(`str_replace('v','','vcreatvev_fuvnvvction')`), `create_function('', $x)`
immediately called, a comment between `eval` and its parenthesis, a cookie-keyed XOR decoder
(`$s ^ str_repeat($key, …)` with `$_COOKIE`), hex-packed URLs
(`pack("H*", "687474703a2f2f…")`, i.e. `http://`), `eval` of a bare
base64 word or of `pack('H*', …)`, functions called through
`$GLOBALS[12](…)`, `chr(..).chr(..)` chains ending in a `$_(…)` call,
`"sert"` next to a XOR of two strings, and files whose variable names are
runs of non-ASCII bytes around an `eval`. (2) Small scripts (under
4 KB) in which request data reaches code through a callback or a computed
function name: `array_map("ass\x65rt", $_REQUEST[…])`,
`register_shutdown_function('assert', …)`, `$_GET['f']($_GET['a'])`,
`$f($a)` with `$f` from the request, `$_( … )`, XOR-built names
(`"~+d()"^"!{+{}"` is `_POST`), `foreach ($$src as $k=>$v) $$k=$v;` followed
by a variable call, and similar one-liners.

## Why it matters
Most PHP shells found on compromised sites are packed or obfuscated to slip
past anti-virus and reviewers; the disguise itself is the tell.

## Indicators
FS-05.

## Example
Fires on (defanged): `<?php $a = "as"."se rt"; $a($_POST['x']); ?>`
(without the space) and on `$f = str_replace('v','','vcreatvev_fuvnvvction');`.

## Known false positives
Commercial PHP protected by an encoder (ionCube-style loaders use their own
format and are not matched, but home-made obfuscators can be). Rule (2)
needs request data and a hidden call in a file under 4 KB; no open-source
application in the benign test set matches.

## Response
Decode offline (never by running it). Packed code that ends in `eval` or a
computed call is a web shell or a malicious implant: keep a copy, look for
the request that wrote it in the access logs, remove it, rotate credentials.
*/

rule vigie_php_obfuscated_loader
{
    meta:
        vigie_code = "VG-WEB020"
        description = "PHP hides the code it runs (escaped or split function names, junk-cleaned names, XOR or packed loaders)"
        impact = "Hidden PHP code runs on each request: the usual disguise of web shells and implants."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1027/"
        remediation = "Decode the file offline and check what it runs; if it is a shell, keep a copy, remove it and investigate how it was written."
    strings:
        $php = "<?"
        $hex_eval = /\\x65\\x76\\x61\\x6c/ nocase
        $hex_b64 = /\\x62\\x61\\x73\\x65\\x36\\x34/ nocase
        $hex_gz = /\\x67\\x7a\\x69\\x6e\\x66/ nocase
        $hex_assert = /\\x61\\x73\\x73\\x65\\x72\\x74/ nocase
        $hex_glob = /\{\s*["']\\x47\\x4c\\x4f/ nocase
        $glob_pick = /\$GLOBALS\s*\[\s*["']\w{1,20}["']\s*\]\s*\[\s*\d{1,3}\s*\]\s*\.\s*\$GLOBALS\s*\[/
        $glob_call = /\$GLOBALS\s*\[\s*\d{1,3}\s*\]\s*\(/
        $split_eval = /["']e["']\s*\.\s*["']v["']\s*\.\s*["']a["']\s*\.\s*["']l/ nocase
        $split_eval2 = /["']ev["']\s*\.\s*["']al/ nocase
        $split_gz = /["']\s*\.\s*["']inf["']\s*\.\s*["']late/ nocase
        $split_gz2 = /gzin["']\s*\.\s*["']flate/ nocase
        $split_dec = /["']_de["']\s*\.\s*["']co/ nocase
        $split_cf = /["']cr["']\s*\.\s*["']eat["']\s*\.\s*["']e_fun/ nocase
        $junk_name = /str_replace\s*\(\s*["'][^"']{1,8}["']\s*,\s*["']["']\s*,\s*["']\w{0,6}(c\w{1,5}r\w{0,5}e\w{0,5}a\w{0,5}t\w{0,5}e\w{0,5}_|b\w{0,5}a\w{0,5}s\w{0,5}e\w{0,5}6\w{0,5}4|s\w{1,5}t\w{0,5}r\w{0,5}_\w{0,5}r\w{0,5}e\w{0,5}p|g\w{0,5}z\w{0,5}i\w{0,5}n\w{0,5}f|e\w{1,5}v\w{0,5}a\w{0,5}l|a\w{1,5}s\w{0,5}s\w{0,5}e\w{0,5}r\w{0,5}t)/ nocase
        $cf_then_call = /\(\s?(''|"")\s?,\s?\$\w{1,20}\s?\)\s?;\s?\$\w{1,20}\s?\(\s?\)\s?;/
        $cf_then_call2 = /create_function\s*\(\s*["']["']\s*,\s*\$\w{1,20}\s*\)\s*;\s*(unset\s*\([^)]{0,60}\)\s*;\s*)?\$\w{1,20}\s*\(\s*\)/ nocase
        $eval_comment = /\beval\s*\/\*[^*]{0,60}\*\/\s*\(/ nocase
        $xor_repeat = /return\s+\$\w{1,20}\s*\^\s*str_repeat\s*\(/ nocase
        $cookie = "$_COOKIE"
        $hex_url = /pack\s*\(\s*["']H\*["']\s*,\s*["']687474703a2f2f/ nocase
        $preg_e_hex = /preg_replace\s*\(\s*["'][^"']{1,30}["']\s*,\s*["']\\x[0-9a-fA-F]{2}\\x/
        $wide_var = /\$[\x80-\xff]{8,}/
        $eval_any = /\beval\s*\(/ nocase
        $eval_bare_b64 = /(eval|assert)\s*\(\s*@?base64_decode\s*\(\s*[A-Za-z0-9+\/]{20}/ nocase
        $eval_hex = /(eval|assert)\s*\(\s*@?(pack\s*\(\s*["']H\*|hex2bin\s*\()/ nocase
        $chr3 = /chr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(\s*\d{2,3}\s*\)/ nocase
        $us_call = /\$_{1,8}\s*\(/
        $us_idx_call = /\$_\s*\[\s*\d{1,3}\s*\]\s*\(/
        $hexdec_chr = /chr\s*\(\s*hexdec\s*\(/ nocase
        $pick3 = /[\w\]}](\]|\})(\.| \. )\$\w{1,20}[\[{]\d{1,3}[\]}](\.| \. )\$\w{1,20}[\[{]\d{1,3}[\]}]/
        $varvar_fn = /\$\{\s*\w{1,20}\s*\(/
        $as_sert = /["'](sert|ert)["']\s*[;),]/
        $xor_str = /(["']\^["']|["'] \^ ["'])/
        $gz_b64_wrap = /(eval|assert)\s*\(\s*@?(gzuncompress|gzinflate|gzdecode)\s*\(\s*@?\w{1,12}\s*\(\s*@?base64_decode\s*\(/ nocase
    condition:
        filesize < 3MB and $php and (
            any of ($hex_*) or $glob_pick or #glob_call >= 5 or
            any of ($split_*) or $junk_name or any of ($cf_then_call*) or
            $eval_comment or ($xor_repeat and $cookie) or $hex_url or
            $preg_e_hex or $gz_b64_wrap or $eval_bare_b64 or $eval_hex or
            (($chr3 or $hexdec_chr) and $us_call and filesize < 4KB) or
            ($as_sert and $xor_str and filesize < 4KB) or
            ($pick3 and ($us_idx_call or ($varvar_fn and $eval_any)) and filesize < 4KB) or
            (#wide_var >= 30 and $eval_any)
        )
}

rule vigie_php_small_hidden_call
{
    meta:
        vigie_code = "VG-WEB021"
        description = "Small PHP script hands request data to a callback or a computed function name"
        impact = "A few lines that run attacker-supplied PHP through an indirect call: an obfuscated one-liner web shell."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1027"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Read the file; if request data reaches a computed call, remove it after keeping a copy and investigate the server."
    strings:
        $php = "<?"
        $in1 = /\$_(GET|POST|REQUEST|COOKIE|SERVER|SESSION|FILES)\b/
        $in2 = "getallheaders" nocase
        $in3 = "php://input" nocase
        $in4 = /\$\{\s*["']_(GET|POST|REQUEST|COOKIE)["']\s*\}/
        $in5 = /\$\$\w{1,20}/
        $in6 = /\$POST\s*\[/
        $in7 = /\{\s*(\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*)?["']_P/
        $in8 = /\$\{\s*\$\w{1,20}\s*\}/
        // request element called as a function, or a call result called with request data
        $call_req = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,30}\]\s*\(/
        $call_ret = /\)\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        $call_elem = /\]\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        $call_us = /\$_{1,8}\s*\(/
        $call_us2 = /\}\s*\[\s*_+\s*\]\s*\(/
        $call_elem2 = /["']\s?\]\s?\(\s?\$/
        $alias_req = /\$\w{1,20}\s*=\s*\$\{\s*["']_(GET|POST|REQUEST|COOKIE)["']\s*\}/
        $cmt_call = /\$\w{0,20}\s*\/\*([^*\n]|\*[^\/\n]){0,20}\*\/\s*\(/
        $req_assign = /\$\w{1,20}\s*=\s*\(?\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        $file_name = /substr\s*\(\s*__FILE__/
        $cb_var1 = /\b(array_map|call_user_func|call_user_func_array|register_tick_function|register_shutdown_function|forward_static_call|forward_static_call_array)\s*\(\s*(\$\w{1,20}|base64_decode\s*\(\s*\$\w{1,20}\s*\))\s*,/ nocase
        $cb_var2 = /\b(array_filter|array_walk|array_walk_recursive|array_reduce|uasort|uksort|usort|array_udiff|array_udiff_assoc|array_diff_uassoc|array_diff_ukey|array_intersect_uassoc|array_intersect_ukey|iterator_apply)\s*\([^;]{1,120},\s*(\$\w{1,20}|base64_decode\s*\(\s*\$\w{1,20}\s*\))\s*(,\s*[^;]{0,20})?\)\s*;/ nocase
        $vcall_any = /\$\w{1,20}\s*\(\s*(base64_decode|getallheaders|\$_)/
        $invoke = /__invoke\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/
        $extract = /foreach\s*\(\s*\$\$\w{1,20}\s+as\s+\$\w{1,20}\s*=>\s*\$\w{1,20}\s*\)\s*\{?\s*\$\$\w{1,20}\s*=/
        $as1 = /["'](assert|ass\\x65rt|\\x61ssert)["']/ nocase
        $as2 = /["'](sert|ert)["']\s*[;),]/
        $as3 = /["']s["']\s*\.\s*["']s["']\s*\.\s*["']e["']/
        $as4 = /[.(]\s*assert\s*,/
        $xor = /(["']\^["']|["'] \^ ["'])/
        $varvar = /\$\{\s*\$\w{1,20}\s*\}/
        $pick3 = /[\w\]}](\]|\})(\.| \. )\$\w{1,20}[\[{]\d{1,3}[\]}](\.| \. )\$\w{1,20}[\[{]\d{1,3}[\]}]/
        $chr3 = /chr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(\s*\d{2,3}\s*\)/ nocase
        $preg_chr = /preg_replace\s*\(\s*chr\s*\(\s*\d{2,3}\s*\)/ nocase
        $replace_call = /\$\w{1,20}\s*\(\s*["'][^"']{1,8}["']\s*,\s*["']["']\s*,\s*["']/
        $split_post = /["'](_|_P)["']\s*\.\s*(\/\*[^*]{0,20}\*\/\s*)?["'](P|OS|O)["']/
        $cb = /\b(array_filter|array_map|array_walk|array_walk_recursive|array_reduce|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_diff_uassoc|array_diff_ukey|array_intersect_uassoc|array_intersect_ukey|array_uintersect|uasort|uksort|usort|register_tick_function|register_shutdown_function|forward_static_call|forward_static_call_array|call_user_func|call_user_func_array|iterator_apply|ob_start|mb_ereg_replace|mb_eregi_replace)\s*\(/ nocase
        $varcall = /\$\w{1,20}\s*\(\s*(\(\w{1,10}\)\s*)?\$\w{1,20}(\s*\[[^\]]{1,20}\])?\s*\)/
        $dyn_eval = /\b(eval|assert)\s*\(\s*["']?[^"'$)]{0,10}["']?\s*\.?\s*\$\w{1,20}/ nocase
    condition:
        filesize < 4KB and $php and any of ($in*) and (
            $call_req or $call_ret or $call_elem or $invoke or
            ($alias_req and $call_elem2) or
            ($call_us and filesize < 1KB) or
            $cmt_call or $cb_var1 or $cb_var2 or ($preg_chr and $chr3) or
            ($file_name and $varcall) or
            (#req_assign >= 2 and $varcall and filesize < 1KB) or
            (any of ($as*) and $vcall_any) or
            ($pick3 and $varvar) or
            (($call_us or $call_us2) and any of ($xor, $varvar, $chr3, $pick3, $replace_call, $split_post)) or
            ($extract and ($varcall or $dyn_eval)) or
            ($cb and any of ($as*, $xor, $pick3, $varcall)) or
            (any of ($as*) and ($varcall or $call_elem)) or
            ($xor and ($varvar or $dyn_eval)) or
            ($pick3 and $varvar and $dyn_eval) or
            ($replace_call and $call_us) or
            ($split_post and ($varcall or $call_us or $dyn_eval))
        )
}
