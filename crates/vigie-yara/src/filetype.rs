//! A short file-type guess for the YARA external variable `filetype`, in the
//! vocabulary signature-base rules test (`EXE`, `ELF`, `MDMP`, `ASP`, `JSP`,
//! `PHP`, …). Content magic wins over the extension; the extension decides
//! only for text formats, which have no magic.

/// Guess the type of a file from its first bytes and its name.
///
/// | value | how |
/// |---|---|
/// | `EXE` | starts `MZ` (PE: .exe, .dll, .sys) |
/// | `ELF`, `MACH-O` | ELF / Mach-O magic |
/// | `MDMP` | Windows minidump (`MDMP`), e.g. an LSASS dump |
/// | `PST` | starts `!BDN` (Outlook PST; a PST saved as `.aspx` is the ProxyShell product) |
/// | `ZIP`, `RAR`, `7Z`, `GZIP`, `CAB`, `OLE`, `PDF`, `GIF`, `JPEG`, `PNG`, `RTF`, `CLASS` | magic bytes |
/// | `ASPX` | `.aspx .ashx .asmx .asax .ascx .svc .cshtml .vbhtml` |
/// | `ASP`, `PHP`, `JSP`, `CFM` | `.asp .cer .asa` / `.php .php3-8 .phtml .inc` / `.jsp .jspx .jspf` / `.cfm .cfml .cfc` |
/// | `CONFIG`, `XML`, `HTML`, `JS`, `VBS`, `BATCH`, `PS1`, `Python`, `LOG` | by extension |
/// | `TEXT` | anything else whose first 512 bytes are text |
/// | `DATA` | anything else |
pub fn guess_filetype(name: &str, data: &[u8]) -> &'static str {
    if let Some(t) = by_magic(data) {
        return t;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if let Some(t) = by_extension(&ext) {
        return t;
    }
    if looks_like_text(data) { "TEXT" } else { "DATA" }
}

fn by_magic(data: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"MZ", "EXE"),
        (b"\x7fELF", "ELF"),
        (b"\xfe\xed\xfa\xce", "MACH-O"),
        (b"\xfe\xed\xfa\xcf", "MACH-O"),
        (b"\xce\xfa\xed\xfe", "MACH-O"),
        (b"\xcf\xfa\xed\xfe", "MACH-O"),
        (b"MDMP", "MDMP"),
        (b"!BDN", "PST"),
        (b"PK\x03\x04", "ZIP"),
        (b"Rar!", "RAR"),
        (b"7z\xbc\xaf\x27\x1c", "7Z"),
        (b"\x1f\x8b", "GZIP"),
        (b"MSCF", "CAB"),
        (b"\xd0\xcf\x11\xe0", "OLE"),
        (b"%PDF", "PDF"),
        (b"GIF8", "GIF"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"\x89PNG", "PNG"),
        (b"{\\rtf", "RTF"),
        (b"\xca\xfe\xba\xbe", "CLASS"),
    ];
    MAGIC.iter().find(|(m, _)| data.starts_with(m)).map(|(_, t)| *t)
}

fn by_extension(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "aspx" | "ashx" | "asmx" | "asax" | "ascx" | "svc" | "cshtml" | "vbhtml" => "ASPX",
        "asp" | "cer" | "asa" | "cdx" => "ASP",
        "php" | "php3" | "php4" | "php5" | "php7" | "php8" | "phtml" | "inc" => "PHP",
        "jsp" | "jspx" | "jspf" => "JSP",
        "cfm" | "cfml" | "cfc" => "CFM",
        "config" => "CONFIG",
        "xml" | "xsl" | "xslt" => "XML",
        "htm" | "html" => "HTML",
        "js" => "JS",
        "vbs" | "vbe" => "VBS",
        "bat" | "cmd" => "BATCH",
        "ps1" | "psm1" => "PS1",
        "py" => "Python",
        "log" => "LOG",
        "exe" | "dll" | "sys" => "EXE",
        _ => return None,
    })
}

fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(512)];
    !head.is_empty()
        && head.iter().all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0c) || b >= 0x80)
}

#[cfg(test)]
mod tests {
    use super::guess_filetype;

    #[test]
    fn magic_beats_extension() {
        assert_eq!(guess_filetype("x.aspx", b"!BDN\x00\x01"), "PST");
        assert_eq!(guess_filetype("lsass.dmp", b"MDMP\x93\xa7"), "MDMP");
        assert_eq!(guess_filetype("a.jpg", b"MZ\x90\x00"), "EXE");
    }

    #[test]
    fn extension_for_text() {
        assert_eq!(guess_filetype("shell.ASPX", b"<%@ Page %>"), "ASPX");
        assert_eq!(guess_filetype("x.php5", b"<?php"), "PHP");
        assert_eq!(guess_filetype("readme", b"hello\n"), "TEXT");
        assert_eq!(guess_filetype("blob", b"\x00\x01\x02"), "DATA");
    }
}
