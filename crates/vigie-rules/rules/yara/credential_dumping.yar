/*
# Credential-dumping tools and LSASS dumps

## What it does
Three rules: (1) mimikatz and its builds/ports (module commands such as
`sekurlsa::logonpasswords`, `lsadump::sam`, the `gentilkiwi` author string),
in binaries, scripts (Invoke-Mimikatz) or saved output; (2) scripts and
command files that dump LSASS memory with the built-in `comsvcs.dll`
`MiniDump` export or with `procdump -ma lsass`; (3) the dump itself: a
Windows minidump (`MDMP`) of `lsass.exe`.

## Why it matters
After the web shell, Hafnium-era intruders dumped LSASS (`rundll32
comsvcs.dll, MiniDump <pid> C:\root\lsass.dmp`, `procdump -ma lsass`) to
take domain credentials; dumps were left in `C:\root`, `C:\windows\temp`
and under `inetpub` (zipped for download).

## Indicators
FS-08, EV-07.

## Example
Fires on (defanged) a batch file with `rundll32 C:\windows\system32\comsvcs.dll,
Mini Dump 624 C:\root\lsass.dmp full` (without the space).

## Known false positives
Penetration-test kits and AV test files (mimikatz strings); legitimate crash
dumps of lsass collected by Microsoft support on request (rare; check the
ticket history).

## Response
Assume every credential that was in LSASS memory is stolen: reset those
passwords (and krbtgt twice if a domain controller or domain admin was
involved), remove the dump and the tool, and find the process that created
them (Sysmon 1/10/11, Security 4688).
*/

rule vigie_mimikatz
{
    meta:
        vigie_code = "VG-CRD001"
        description = "Mimikatz credential-theft tool (binary, script or output)"
        impact = "Mimikatz extracts passwords, hashes and Kerberos tickets from memory: domain credentials are at risk."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-08, EV-07"
        attack = "T1003.001"
        author = "vigie"
        remediation = "Reset credentials that were present on this host, remove the tool, find how it arrived and what ran it."
    strings:
        $m1 = "sekurlsa::logonpasswords" ascii wide nocase
        $m2 = "lsadump::sam" ascii wide nocase
        $m3 = "lsadump::dcsync" ascii wide nocase
        $m4 = "sekurlsa::pth" ascii wide nocase
        $m5 = "kerberos::golden" ascii wide nocase
        $m6 = "privilege::debug" ascii wide nocase
        $m7 = "sekurlsa::minidump" ascii wide nocase
        $a1 = "gentilkiwi" ascii wide nocase
        $a2 = "mimikatz" ascii wide nocase
        $a3 = "Benjamin DELPY" ascii wide nocase
    condition:
        2 of ($m*) or (1 of ($m*) and 1 of ($a*)) or ($a1 and $a2)
}

rule vigie_lsass_dump_command
{
    meta:
        vigie_code = "VG-CRD002"
        description = "Script dumps LSASS memory (comsvcs.dll MiniDump or procdump)"
        impact = "A script prepared to copy the memory of LSASS, where Windows keeps credentials."
        severity = "high"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-08, EV-07"
        attack = "T1003.001"
        author = "vigie"
        remediation = "Find whether the script ran (Sysmon/4688 for rundll32 or procdump), look for the dump file, reset credentials used on the host."
    strings:
        $comsvcs = /comsvcs(\.dll)?\s*[,#]?\s*[^\r\n]{0,20}MiniDump(W)?\s+[^\r\n]{0,40}(full|\.dmp)/ nocase
        $comsvcs_ord = /comsvcs(\.dll)?\s*,\s*#24\s/ nocase
        $procdump = /procdump(64)?(\.exe)?\s+[^\r\n]{0,40}-ma\s+[^\r\n]{0,10}lsass/ nocase
        $procdump2 = /procdump(64)?(\.exe)?\s+[^\r\n]{0,40}lsass(\.exe)?\s[^\r\n]{0,60}\.dmp/ nocase
    condition:
        filesize < 5MB and uint16(0) != 0x5a4d and any of them
}

rule vigie_lsass_minidump_file
{
    meta:
        vigie_code = "VG-CRD003"
        description = "Memory dump of the LSASS process (credential theft)"
        impact = "This file holds the credentials that were in LSASS memory; whoever has it can recover passwords and hashes."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-08"
        attack = "T1003.001"
        author = "vigie"
        remediation = "Treat all credentials used on this host as stolen: reset them, remove the dump (after keeping a hash for the record), and find who created it and whether it left the host."
    strings:
        $lsass_w = "\\lsass.exe" wide nocase
        $lsasrv_w = "lsasrv.dll" wide nocase
        $msv_w = "msv1_0.dll" wide nocase
    condition:
        uint32(0) == 0x504d444d and $lsass_w and ($lsasrv_w or $msv_w)
}
