/*
# Writable-folder probes (ASP, ASP.NET)

## What it does
Finds pages that walk the server's folder tree from a path given in the
request and, in every folder, create a throw-away file and delete it again
(`File.Create(dir + "\\test").Close(); File.Delete(dir + "\\test");`,
`fso.CreateTextFile(dir & "\temp.tmp")` + `DeleteFile`, or
`fso.GetTempName` + `DeleteFile`) to list where the web server's account may
write.

## Why it matters
Intruders run these right after the first foothold, to choose where to drop
the next web shell or a tool outside the web root. Administrators have
other ways to check permissions.

## Indicators
FS-05.

## Example
Fires on (defanged): a page looping over `GetDirectories()` with
`File.Cre ate(d.FullName + "\\test").Close(); File.Delete(d.FullName + "\\test");`
(without the space).

## Known false positives
A deployment self-check page written by an administrator; it should not be
left on a public site.

## Response
Treat as a sign of compromise: look in the access logs for who called the
page, then for new files in the folders it reported as writable.
*/

rule vigie_server_write_probe
{
    meta:
        vigie_code = "VG-WEB042"
        description = "ASP or ASP.NET page walks folders from a request path and tests where it can write (create and delete a probe file)"
        impact = "Post-exploitation reconnaissance: maps every folder where the attacker can drop further tools."
        severity = "medium"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1505.003, T1083"
        author = "vigie"
        reference = "https://attack.mitre.org/techniques/T1083/"
        remediation = "Remove the page after keeping a copy, check the access logs for its use and look for files dropped in the folders it found writable."
    strings:
        $asp = "<%"
        $net_create = /File\s*\.\s*Create\s*\([^;]{1,60}\+\s*"\\\\\w{1,12}"\s*\)\s*\.\s*Close\s*\(/
        $net_delete = /File\s*\.\s*Delete\s*\([^;]{1,60}\+\s*"\\\\\w{1,12}"\s*\)/
        $net_walk = /GetDirectories\s*\(/
        $vb_create = /CreateTextFile\s*\(\s*\w{1,30}\s*&\s*"\\[\w.]{1,16}"\s*\)/ nocase
        $vb_temp = /\.GetTempName\b/ nocase
        $vb_delete = /\.DeleteFile\s*\(/ nocase
        $vb_walk = /\.SubFolders\b/ nocase
        $req = /request\s*(\.\s*(form|querystring|item|params))?\s*[\[(]/ nocase
    condition:
        filesize < 200KB and $asp and (
            ($net_create and $net_delete and $net_walk) or
            (($vb_create or $vb_temp) and $vb_delete and $vb_walk and $req)
        )
}
