/*
# ColdFusion file managers and SQL consoles

## What it does
Two rules for ColdFusion pages. (1) File managers: `<cffile>` or
`<cfdirectory>` whose file or directory attribute is a form or URL
variable (`FILE="#Form.path#"`, `DIRECTORY="#Form.path#"`) — read, write,
delete, upload or list any path the visitor types — or a `<cfexecute>` of
`cmd.exe` / a shell in a page that tests `FORM.cmd`. (2) SQL consoles:
`<cfquery>` whose data source and SQL text are both form variables.

## Why it matters
ColdFusion shells are small and built from CFML tags only; these tag
combinations are what they all share.

## Indicators
FS-05.

## Example
Fires on (defanged): `<cf file action="Write" file="#Form.path#" output="#Form.cmd#">`
(without the space).

## Known false positives
Home-made CF administration pages that edit files or run SQL typed by an
operator; they should never be reachable from outside.

## Response
Keep a copy, check the web server logs for requests to the page, remove it
and rotate the data-source credentials.
*/

rule vigie_cfm_file_manager
{
    meta:
        vigie_code = "VG-WEB036"
        description = "ColdFusion page reads, writes or lists paths typed by the visitor, or runs a shell for FORM.cmd"
        impact = "Anyone who can reach the page controls the files (and possibly commands) of the ColdFusion server."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        remediation = "Remove the page after keeping a copy and review the access logs for requests to it."
    strings:
        $file_form = /<cffile[^>]{0,200}(file|source|destination)\s*=\s*["']?#\s*(form|url)\.\w+\s*#/ nocase
        $dir_form = /<cfdirectory[^>]{0,200}directory\s*=\s*["']?#\s*(form|url)\.\w+\s*#/ nocase
        $exec_shell = /<cfexecute[^>]{0,40}name\s*=\s*["'][^"']{0,60}(cmd\.exe|\/bin\/(ba)?sh)/ nocase
        $form_cmd = /isdefined\s*\(\s*["'](form|url)\.cmd["']/ nocase
    condition:
        filesize < 1MB and ($file_form or $dir_form or ($exec_shell and $form_cmd))
}

rule vigie_cfm_sql_console
{
    meta:
        vigie_code = "VG-WEB037"
        description = "ColdFusion page runs SQL text and data source typed by the visitor"
        impact = "Anyone who can reach the page can read and change every database the ColdFusion server can reach."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1213"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1213/"
        remediation = "Remove the page after keeping a copy, review the access logs and rotate the data-source passwords."
    strings:
        $q = /<cfquery[^>]{0,200}datasource\s*=\s*["']?#\s*form\.\w+\s*#[^>]{0,100}>\s*#\s*form\.\w+\s*#/ nocase
    condition:
        filesize < 1MB and $q
}
