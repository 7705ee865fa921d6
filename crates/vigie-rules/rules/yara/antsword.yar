/*
# AntSword

## What it does
Finds the server stubs shipped with the AntSword web-shell manager and its
usual obfuscations: the request-array walk that calls a class constructor
with attacker input (`ReflectionClass(...)->newInstance($key, $value)` over
`$_POST`), the `assert` name hidden as base64 (`YXNzZXJ0`), `create_function`
with a base64 body that evaluates `$_POST`, and the AntSword custom-script
servers (JSP/PHP) with their `antSword` banner.

## Why it matters
AntSword is the open-source successor of China Chopper and is a common
choice of intruders on IIS, Exchange and PHP servers. User-agent
`antSword/v2.1` was seen in Hafnium-era logs (IIS-02).

## Indicators
FS-05.

## Example
Fires on (defanged) `<?php $ant=base64_decode("YXNzZXJ0");$ant($_POST['ant']);?>`.

## Known false positives
None known: no legitimate code hides `assert` as base64 or instantiates a
class named in request data.

## Response
Remove after keeping a copy; search access logs for POSTs to it.
*/

rule vigie_antsword
{
    meta:
        vigie_code = "VG-WEB009"
        description = "AntSword web shell stub"
        impact = "Remote code execution for the attacker through the AntSword client."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the stub after keeping a copy, search access logs for POSTs to it, reset application credentials."
    strings:
        $b64_assert = "YXNzZXJ0"
        $b64_eval_post = "QGV2YWwoJF9QT1NU"
        $b64_eval_post2 = "ZXZhbCgkX1BPU1Rb"
        $refl = /new\s+ReflectionClass\s*\(/ nocase
        $new_inst = /->\s*newInstance\s*\(\s*\$/ nocase
        $post_walk = /array\s*\(\s*['"]_(POST|GET|REQUEST)['"]\s*\)/
        $var_var = /\$\$\w+/
        $banner = "antSword" nocase
        $custom1 = /getParameter\s*\(\s*Pwd\s*\)/
        $custom2 = "decode(request.getParameter(\"z0\")"
        $custom3 = /\$_POST\s*\[\s*["']z0["']\s*\]/ nocase
        $php_call = /\$\w+\s*\(\s*\$_(POST|GET|REQUEST)\s*\[/
        $cf = "create_function" nocase
        $b64 = "base64_decode" nocase
    condition:
        filesize < 500KB and (
            ($b64_assert and $php_call) or
            ($cf and $b64 and any of ($b64_eval*)) or
            ($refl and $new_inst and $post_walk and $var_var) or
            ($banner and ($custom1 or $custom2 or $custom3))
        )
}
