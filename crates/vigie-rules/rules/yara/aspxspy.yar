/*
# ASPXSpy-style file managers

## What it does
Finds ASPXSpy and its descendants: a single .aspx file giving a web UI for
browsing and editing files, running commands, scanning ports, reading the
registry and querying databases. It is recognised by its control naming
scheme (`Bin_Button…`, `Bin_TextBox…`, `Bin_List…` handlers) together with
the .NET process and file APIs it drives.

## Why it matters
Seen in many IIS intrusions, including Exchange ones (ASPXSpy was one of the
shells found after Hafnium). It is a complete remote-administration tool.

## Indicators
FS-05.

## Example
Fires on a page declaring many `Bin_Button_Click`-style handlers and using
`ProcessStartInfo`. Not flagged: an ordinary Web Forms page with buttons.

## Known false positives
None known; the `Bin_` naming scheme comes from the tool.

## Response
Remove after keeping a copy; review IIS logs for the requests to it (the
UI posts back to itself); reset credentials that were typed into or read
by it (database connection strings, local accounts).
*/

rule vigie_aspxspy
{
    meta:
        vigie_code = "VG-WEB006"
        description = "ASPXSpy-style web file manager / command shell"
        impact = "Gives whoever opens it a graphical remote-administration console on the server."
        severity = "critical"
        stage = "compromise"
        confidence = "confirmed"
        indicators = "FS-05"
        attack = "T1505.003"
        author = "vigie"
        remediation = "Remove the page after keeping a copy, review IIS logs for requests to it, reset credentials stored on or typed into the server."
    strings:
        $bin = /Bin_(Button|TextBox|List|Div|Msg|Table|DataGrid|Files|PostBack|H)\w{0,30}/
        $name = "ASPXSpy" nocase
        $api1 = "ProcessStartInfo" nocase
        $api2 = "System.IO.Directory" nocase
        $api3 = "GetLogicalDrives" nocase
        $api4 = "System.Diagnostics" nocase
        $page = /<%@\s*Page/ nocase
    condition:
        filesize < 3MB and $page and (
            (#bin >= 20 and 2 of ($api*)) or
            ($name and #bin >= 5)
        )
}
