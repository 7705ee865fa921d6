//! Compile one detection item (`Field|mod1|mod2: values`) into a [`Test`],
//! the cheapest matcher that implements its modifiers.

use crate::text::{
    self, Piece, StrOp, StrSet, base64, base64_offsets, parse_wildcards, utf16be, utf16le,
    windash_variants,
};
use regex::Regex;
use std::collections::HashMap;
use std::net::IpAddr;

/// Interned field reference (index into the rule set's field table).
pub(crate) type FieldId = u32;

/// A scalar value from the rule YAML.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Num(f64, String),
    Str(String),
}

impl Scalar {
    fn text(&self) -> Option<&str> {
        match self {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(if *b { "true" } else { "false" }),
            Scalar::Num(_, s) | Scalar::Str(s) => Some(s),
        }
    }
}

/// Numeric comparison operators (`gt`, `gte`, `lt`, `lte`, hayabusa `neq`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl NumOp {
    pub(crate) fn holds(self, a: f64, b: f64) -> bool {
        match self {
            NumOp::Gt => a > b,
            NumOp::Gte => a >= b,
            NumOp::Lt => a < b,
            NumOp::Lte => a <= b,
        }
    }
}

/// How a `fieldref` compares the two fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefKind {
    Equal,
    Prefix,
    Suffix,
    Contains,
}

/// An IPv4 or IPv6 network for `cidr`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cidr {
    v4: bool,
    net: u128,
    mask: u128,
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (addr, len) = s.trim().split_once('/').unwrap_or((s.trim(), ""));
        let ip: IpAddr = addr.parse().ok()?;
        let (v4, bits, max) = match ip {
            IpAddr::V4(a) => (true, u128::from(u32::from(a)), 32u32),
            IpAddr::V6(a) => (false, u128::from(a), 128u32),
        };
        let len: u32 = if len.is_empty() { max } else { len.parse().ok()? };
        if len > max {
            return None;
        }
        let mask = if len == 0 { 0 } else { (!0u128 << (128 - len)) >> (128 - max) };
        Some(Cidr { v4, net: bits & mask, mask })
    }

    pub(crate) fn contains(&self, text: &str) -> bool {
        let t = text.trim().trim_start_matches('[');
        let t = t.split(']').next().unwrap_or(t);
        match t.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) if self.v4 => u128::from(u32::from(a)) & self.mask == self.net,
            Ok(IpAddr::V6(a)) if !self.v4 => u128::from(a) & self.mask == self.net,
            Ok(IpAddr::V6(a)) => {
                a.to_ipv4_mapped().is_some_and(|v| u128::from(u32::from(v)) & self.mask == self.net)
            }
            _ => false,
        }
    }
}

/// A compiled test on one field's value (or on every value, for keywords).
#[derive(Debug)]
pub(crate) enum Test {
    /// String tests on case-folded text (or the original text when `cased`).
    Str { set: StrSet, cased: bool },
    /// The field is absent, null or empty.
    Null,
    /// The field exists (`true`) or not (`false`).
    Exists(bool),
    /// Regular expressions on the original text.
    Regex { res: Vec<Regex>, all: bool },
    /// IP networks.
    Cidr(Vec<Cidr>),
    /// Numeric comparisons.
    Num { op: NumOp, vals: Vec<f64>, all: bool },
    /// Value differs from all of these (hayabusa `neq`), case-folded.
    NotEqual(Vec<String>),
    /// Compare with another field of the same event.
    FieldRef { others: Vec<FieldId>, kind: RefKind, cased: bool, all: bool },
    /// Any of several tests (a list mixing `null` with strings).
    Any(Vec<Test>),
    /// All of several tests (`|all` over expanding modifiers).
    All(Vec<Test>),
}

/// What compiling an item needs from the rule set.
pub(crate) struct ValueCtx<'a> {
    pub placeholders: &'a HashMap<String, Vec<String>>,
    pub intern: &'a mut dyn FnMut(&str) -> FieldId,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Contains,
    Prefix,
    Suffix,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transform {
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16Bom,
    Windash,
}

#[derive(Clone, Default)]
struct Mods {
    kind: Option<Kind>,
    all: bool,
    cased: bool,
    transforms: Vec<Transform>,
    re: Option<String>,
    cidr: bool,
    exists: bool,
    fieldref: bool,
    num: Option<NumOp>,
    neq: bool,
    expand: bool,
}

fn parse_mods(mods: &[&str]) -> Result<Mods, String> {
    let mut m = Mods::default();
    let mut iter = mods.iter().peekable();
    while let Some(raw) = iter.next() {
        let name = raw.to_ascii_lowercase();
        match name.as_str() {
            "contains" => m.kind = Some(Kind::Contains),
            "startswith" => m.kind = Some(Kind::Prefix),
            "endswith" => m.kind = Some(Kind::Suffix),
            "all" => m.all = true,
            "cased" => m.cased = true,
            "base64" => m.transforms.push(Transform::Base64),
            "base64offset" => m.transforms.push(Transform::Base64Offset),
            "utf16le" | "wide" => m.transforms.push(Transform::Utf16Le),
            "utf16be" => m.transforms.push(Transform::Utf16Be),
            "utf16" => m.transforms.push(Transform::Utf16Bom),
            "windash" => m.transforms.push(Transform::Windash),
            "re" => {
                let mut flags = String::new();
                while let Some(f) = iter.peek() {
                    match f.to_ascii_lowercase().as_str() {
                        "i" | "ignorecase" => flags.push('i'),
                        "m" | "multiline" => flags.push('m'),
                        "s" | "dotall" => flags.push('s'),
                        _ => break,
                    }
                    iter.next();
                }
                m.re = Some(flags);
            }
            "i" | "m" | "s" => return Err(format!("regex flag `{raw}` must follow `re`")),
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "fieldref" | "equalsfield" => m.fieldref = true,
            "endswithfield" => {
                m.fieldref = true;
                m.kind = Some(Kind::Suffix);
            }
            "gt" => m.num = Some(NumOp::Gt),
            "gte" => m.num = Some(NumOp::Gte),
            "lt" => m.num = Some(NumOp::Lt),
            "lte" => m.num = Some(NumOp::Lte),
            "neq" => m.neq = true,
            "expand" => m.expand = true,
            _ => return Err(format!("unknown value modifier `{raw}`")),
        }
    }
    Ok(m)
}

/// Compile the values of one detection item with its modifiers.
pub(crate) fn compile_test(
    modifiers: &[&str],
    values: &[Scalar],
    ctx: &mut ValueCtx<'_>,
) -> Result<Test, String> {
    let m = parse_mods(modifiers)?;
    if values.is_empty() {
        return Err("empty value list".into());
    }
    if m.exists {
        return match values {
            [Scalar::Bool(b)] => Ok(Test::Exists(*b)),
            [Scalar::Str(s)] if s.eq_ignore_ascii_case("true") => Ok(Test::Exists(true)),
            [Scalar::Str(s)] if s.eq_ignore_ascii_case("false") => Ok(Test::Exists(false)),
            _ => Err("`exists` needs a single true/false value".into()),
        };
    }
    let values = if m.expand { expand(values, ctx.placeholders)? } else { values.to_vec() };
    let texts = || -> Result<Vec<String>, String> {
        values
            .iter()
            .map(|v| {
                v.text().map(str::to_string).ok_or_else(|| "null value with a modifier".into())
            })
            .collect()
    };
    if let Some(op) = m.num {
        let vals = values
            .iter()
            .map(|v| match v {
                Scalar::Num(n, _) => Ok(*n),
                Scalar::Str(s) => s.trim().parse().map_err(|_| format!("`{s}` is not a number")),
                _ => Err("numeric modifier needs numbers".to_string()),
            })
            .collect::<Result<Vec<f64>, String>>()?;
        return Ok(Test::Num { op, vals, all: m.all });
    }
    if m.cidr {
        let nets = texts()?
            .iter()
            .map(|s| Cidr::parse(s).ok_or_else(|| format!("`{s}` is not a CIDR network")))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Test::Cidr(nets));
    }
    if m.fieldref {
        let others = texts()?.iter().map(|s| (ctx.intern)(s)).collect();
        let kind = match m.kind {
            None | Some(Kind::Plain) => RefKind::Equal,
            Some(Kind::Contains) => RefKind::Contains,
            Some(Kind::Prefix) => RefKind::Prefix,
            Some(Kind::Suffix) => RefKind::Suffix,
        };
        return Ok(Test::FieldRef { others, kind, cased: m.cased, all: m.all });
    }
    if let Some(flags) = &m.re {
        let res = texts()?
            .iter()
            .map(|s| {
                let pat = if flags.is_empty() { s.clone() } else { format!("(?{flags}){s}") };
                Regex::new(&pat).map_err(|e| {
                    format!(
                        "regex `{s}` not supported: {}",
                        e.to_string().lines().last().unwrap_or("")
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Test::Regex { res, all: m.all });
    }
    if m.neq {
        return Ok(Test::NotEqual(texts()?.iter().map(|s| text::lower(s)).collect()));
    }
    compile_strings(&m, &values)
}

fn compile_strings(m: &Mods, values: &[Scalar]) -> Result<Test, String> {
    let mut ops = Vec::new();
    let mut null = false;
    for v in values {
        let Some(raw) = v.text() else {
            null = true;
            continue;
        };
        for pieces in transform(raw, &m.transforms)? {
            let mut pieces = wrap(pieces, m.kind.unwrap_or(Kind::Plain));
            if !m.cased {
                for p in &mut pieces {
                    if let Piece::Lit(l) = p {
                        *l = text::lower(l);
                    }
                }
            }
            ops.push(StrOp::from_pieces(pieces));
        }
    }
    // `all` with one value per expansion (base64offset, windash) means "any
    // variant": each original value must match through one of its variants.
    let expanding =
        m.transforms.iter().any(|t| matches!(t, Transform::Base64Offset | Transform::Windash));
    let test = if m.all && expanding && values.len() > 1 {
        let one = Mods { all: false, ..m.clone() };
        let parts = values
            .iter()
            .map(|v| compile_strings(&one, std::slice::from_ref(v)))
            .collect::<Result<Vec<_>, _>>()?;
        Test::All(parts)
    } else {
        Test::Str { set: StrSet::new(ops, m.all), cased: m.cased }
    };
    Ok(if null { Test::Any(vec![Test::Null, test]) } else { test })
}

fn wrap(mut pieces: Vec<Piece>, kind: Kind) -> Vec<Piece> {
    match kind {
        Kind::Plain => {}
        Kind::Contains => {
            if pieces.first() != Some(&Piece::Star) {
                pieces.insert(0, Piece::Star);
            }
            if pieces.last() != Some(&Piece::Star) {
                pieces.push(Piece::Star);
            }
        }
        Kind::Prefix => {
            if pieces.last() != Some(&Piece::Star) {
                pieces.push(Piece::Star);
            }
        }
        Kind::Suffix => {
            if pieces.first() != Some(&Piece::Star) {
                pieces.insert(0, Piece::Star);
            }
        }
    }
    pieces
}

/// Apply the encoding transforms in order; returns the pattern variants.
fn transform(raw: &str, transforms: &[Transform]) -> Result<Vec<Vec<Piece>>, String> {
    let encodes = transforms.iter().any(|t| !matches!(t, Transform::Windash));
    let mut variants: Vec<String> = vec![raw.to_string()];
    if !encodes {
        for t in transforms {
            if *t == Transform::Windash {
                variants = variants.iter().flat_map(|v| windash_variants(v)).collect();
            }
        }
        return Ok(variants.iter().map(|v| parse_wildcards(v)).collect());
    }
    // Encodings work on the literal text: wildcards cannot be encoded.
    let lit = text::literal_only(&parse_wildcards(raw))
        .ok_or_else(|| format!("cannot encode `{raw}`: it contains wildcards"))?;
    let mut bytes: Vec<Vec<u8>> = vec![lit.into_bytes()];
    for t in transforms {
        bytes = match t {
            Transform::Windash => bytes
                .iter()
                .flat_map(|b| windash_variants(&String::from_utf8_lossy(b)))
                .map(String::into_bytes)
                .collect(),
            Transform::Base64 => bytes.iter().map(|b| base64(b).into_bytes()).collect(),
            Transform::Base64Offset => {
                bytes.iter().flat_map(|b| base64_offsets(b)).map(String::into_bytes).collect()
            }
            Transform::Utf16Le => {
                bytes.iter().map(|b| utf16le(&String::from_utf8_lossy(b))).collect()
            }
            Transform::Utf16Be => {
                bytes.iter().map(|b| utf16be(&String::from_utf8_lossy(b))).collect()
            }
            Transform::Utf16Bom => bytes
                .iter()
                .map(|b| {
                    let mut v = vec![0xff, 0xfe];
                    v.extend(utf16le(&String::from_utf8_lossy(b)));
                    v
                })
                .collect(),
        };
    }
    variants = bytes.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    Ok(variants.into_iter().map(|v| vec![Piece::Lit(v)]).collect())
}

/// Substitute `%name%` placeholders from the map (each value an alternative).
fn expand(values: &[Scalar], map: &HashMap<String, Vec<String>>) -> Result<Vec<Scalar>, String> {
    let mut out = Vec::new();
    for v in values {
        let Some(s) = v.text() else {
            out.push(v.clone());
            continue;
        };
        let mut current = vec![s.to_string()];
        while let Some(start) = current[0].find('%') {
            let rest = &current[0][start + 1..];
            let Some(len) = rest.find('%') else { break };
            let name = rest[..len].to_string();
            let subst = map
                .get(&name)
                .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name)).map(|(_, v)| v))
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("needs placeholder %{name}%"))?;
            let token = format!("%{name}%");
            current = current
                .iter()
                .flat_map(|c| subst.iter().map(|s| c.replacen(&token, s, 1)).collect::<Vec<_>>())
                .collect();
        }
        out.extend(current.into_iter().map(Scalar::Str));
    }
    Ok(out)
}
