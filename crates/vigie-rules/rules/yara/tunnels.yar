/*
# HTTP-to-TCP tunnels (reGeorg, Neo-reGeorg, Tunna)

## What it does
Finds server-side scripts that turn HTTP requests into raw TCP connections
from the web server to the internal network: the reGeorg family (commands
`CONNECT`, `READ`, `FORWARD`, `DISCONNECT` passed in an `X-CMD`-style
header, status in `X-STATUS`), Neo-reGeorg (same verbs, custom headers and a
base64 alphabet table) and Tunna (socket opened from `ip`/`port` request
parameters). The rule needs a socket API **and** the tunnel protocol words.

## Why it matters
A tunnel lets the attacker reach RDP, SMB and LDAP on internal hosts through
the public web server: it is the pivot after the web shell. Volexity found a
reGeorg variant on Exchange servers in March 2021.

## Indicators
FS-05.

## Example
Fires on an .aspx that creates a `System.Net.Sockets.Socket` and compares a
request header with `"CONNECT"`, `"FORWARD"` and `"READ"`.

## Known false positives
A legitimate WebSocket or proxy page could use sockets, but not with this
verb set in request headers.

## Response
Remove after keeping a copy; the IIS log shows the tunnel as many POSTs to
the same page; look at internal hosts reached from the web server (firewall
and Windows logon logs: logon type 3/10 from the web server's address).
*/

rule vigie_http_tcp_tunnel
{
    meta:
        vigie_code = "VG-WEB010"
        description = "HTTP-to-TCP tunnel script (reGeorg / Neo-reGeorg / Tunna style)"
        impact = "Lets the attacker reach internal hosts (RDP, SMB, LDAP) through the web server."
        severity = "critical"
        stage = "compromise"
        confidence = "likely"
        indicators = "FS-05"
        attack = "T1090.001, T1572, T1505.003"
        author = "vigie"
        remediation = "Remove the tunnel after keeping a copy, review which internal hosts the web server connected to, and reset credentials used over the tunnel."
    strings:
        $sock_net = "System.Net.Sockets" nocase
        $sock_net2 = /new\s+Socket\s*\(\s*AddressFamily/ nocase
        $sock_php = /\b(fsockopen|socket_create|stream_socket_client)\s*\(/ nocase
        $sock_jv = /(SocketChannel\.open|new\s+java\.net\.Socket|new\s+Socket\s*\()/
        $v_connect = "\"CONNECT\""
        $v_forward = "\"FORWARD\""
        $v_read = "\"READ\""
        $v_disc = "\"DISCONNECT\""
        $v_connect_s = "'CONNECT'"
        $v_forward_s = "'FORWARD'"
        $v_read_s = "'READ'"
        $v_disc_s = "'DISCONNECT'"
        $h_cmd = "X-CMD" nocase
        $h_status = "X-STATUS" nocase
        $georg = "Georg says" nocase
        $tunna_port = /(Request\.QueryString|Request|\$_GET|getParameter)\s*[\[\(]\s*["']port["']/ nocase
        $tunna_ip = /(Request\.QueryString|Request|\$_GET|getParameter)\s*[\[\(]\s*["']ip["']/ nocase
    condition:
        filesize < 1MB and any of ($sock*) and (
            $georg or
            (3 of ($v*)) or
            ($h_cmd and $h_status) or
            ($tunna_port and $tunna_ip)
        )
}
