//! The condition grammar: `and`, `or`, `not`, parentheses, `1 of`, `all of`,
//! `N of` over names, wildcard names (`selection_*`) and `them`; plus the
//! Sigma 1.x aggregation tail (`| count(field) by group > N`).

/// A compiled condition over the rule's selections (by index).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cond {
    Sel(u32),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// At least `n` of the children.
    AtLeast(u32, Vec<Cond>),
}

/// A legacy aggregation (`| count(F) by G op N`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Aggregation {
    pub field: Option<String>,
    pub group_by: Option<String>,
    pub op: String,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Of,
    All,
    Num(u32),
    Word(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            out.push(Tok::LParen);
            chars.next();
        } else if c == ')' {
            out.push(Tok::RParen);
            chars.next();
        } else if c.is_alphanumeric() || matches!(c, '_' | '*' | '?' | '-' | '.') {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || matches!(c, '_' | '*' | '?' | '-' | '.') {
                    w.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(match w.to_ascii_lowercase().as_str() {
                "and" => Tok::And,
                "or" => Tok::Or,
                "not" => Tok::Not,
                "of" => Tok::Of,
                "all" => Tok::All,
                _ => match w.parse::<u32>() {
                    Ok(n) => Tok::Num(n),
                    Err(_) => Tok::Word(w),
                },
            });
        } else {
            return Err(format!("unexpected character `{c}` in condition"));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a [String],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Cond, String> {
        match self.next() {
            Some(Tok::LParen) => {
                let c = self.or()?;
                match self.next() {
                    Some(Tok::RParen) => Ok(c),
                    _ => Err("missing `)` in condition".into()),
                }
            }
            Some(Tok::Num(n)) => self.of(Some(n)),
            Some(Tok::All) => self.of(None),
            Some(Tok::Word(w)) => match self.index(&w) {
                Some(i) => Ok(Cond::Sel(i)),
                None => Err(format!("condition names `{w}`, which the detection does not define")),
            },
            Some(t) => Err(format!("unexpected `{t:?}` in condition")),
            None => Err("condition ends too early".into()),
        }
    }

    fn of(&mut self, n: Option<u32>) -> Result<Cond, String> {
        if self.next() != Some(Tok::Of) {
            return Err("expected `of` after a quantifier".into());
        }
        let target = match self.next() {
            Some(Tok::Word(w)) => w,
            _ => return Err("expected a name, a pattern or `them` after `of`".into()),
        };
        let sels: Vec<Cond> = if target.eq_ignore_ascii_case("them") {
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .map(|i| Cond::Sel(i as u32))
                .collect()
        } else {
            let pat = crate::text::parse_wildcards(&target);
            (0..self.names.len())
                .filter(|&i| crate::text::glob_match(&pat, &self.names[i]))
                .map(|i| Cond::Sel(i as u32))
                .collect()
        };
        if sels.is_empty() {
            return Err(format!("`of {target}` matches no selection"));
        }
        Ok(match n {
            None => Cond::And(sels),
            Some(1) => Cond::Or(sels),
            Some(k) => Cond::AtLeast(k, sels),
        })
    }

    fn index(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }
}

/// Parse a condition over the selection `names`, returning the condition and
/// the aggregation tail, if any.
pub(crate) fn parse(text: &str, names: &[String]) -> Result<(Cond, Option<Aggregation>), String> {
    let (expr, agg) = match text.split_once('|') {
        Some((e, a)) => (e, Some(parse_aggregation(a)?)),
        None => (text, None),
    };
    let mut p = Parser { toks: tokenize(expr)?, pos: 0, names };
    if p.toks.is_empty() {
        return Err("empty condition".into());
    }
    let c = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!("unexpected `{:?}` in condition", p.toks[p.pos]));
    }
    Ok((c, agg))
}

fn parse_aggregation(s: &str) -> Result<Aggregation, String> {
    let s = s.split('#').next().unwrap_or(s).trim();
    let lower = s.to_ascii_lowercase();
    if lower.contains(" near ") || lower.starts_with("near") {
        return Err(
            "the `near` aggregation is not supported; use a temporal correlation rule".into()
        );
    }
    let Some(rest) = lower.strip_prefix("count(") else {
        let func = lower.split('(').next().unwrap_or("");
        return Err(format!(
            "aggregation `{func}` is not supported (only count); use a Sigma correlation rule"
        ));
    };
    let close = rest.find(')').ok_or("missing `)` after count(")? + 6;
    let field = s[6..close].trim();
    let rest_orig = s[close + 1..].trim();
    let (group_by, cmp) = match rest_orig.to_ascii_lowercase().strip_prefix("by ") {
        Some(_) => {
            let after = rest_orig[3..].trim();
            let end = after.find(['<', '>', '=', '!']).unwrap_or(after.len());
            (Some(after[..end].trim().to_string()), after[end..].trim())
        }
        None => (None, rest_orig),
    };
    let op_len = cmp.find(|c: char| !matches!(c, '<' | '>' | '=' | '!')).unwrap_or(cmp.len());
    let op = cmp[..op_len].to_string();
    if !matches!(op.as_str(), ">" | ">=" | "<" | "<=" | "=" | "==" | "!=") {
        return Err(format!("aggregation comparison `{cmp}` is not understood"));
    }
    let value: f64 = cmp[op_len..]
        .trim()
        .parse()
        .map_err(|_| format!("aggregation threshold in `{cmp}` is not a number"))?;
    Ok(Aggregation {
        field: (!field.is_empty()).then(|| field.to_string()),
        group_by: group_by.filter(|g| !g.is_empty()),
        op,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn precedence_and_quantifiers() {
        let n = names(&["sel_a", "sel_b", "filter", "_hidden"]);
        let (c, _) = parse("sel_a or sel_b and not filter", &n).expect("parses");
        assert_eq!(
            c,
            Cond::Or(vec![
                Cond::Sel(0),
                Cond::And(vec![Cond::Sel(1), Cond::Not(Box::new(Cond::Sel(2)))])
            ])
        );
        let (c, _) = parse("all of sel_* and not 1 of them", &n).expect("parses");
        assert_eq!(
            c,
            Cond::And(vec![
                Cond::And(vec![Cond::Sel(0), Cond::Sel(1)]),
                Cond::Not(Box::new(Cond::Or(vec![Cond::Sel(0), Cond::Sel(1), Cond::Sel(2)])))
            ])
        );
        let (c, _) = parse("2 of sel*", &n).expect("parses");
        assert_eq!(c, Cond::AtLeast(2, vec![Cond::Sel(0), Cond::Sel(1)]));
        assert!(parse("sel_a and missing", &n).is_err());
        assert!(parse("(sel_a", &n).is_err());
        assert!(parse("1 of nothing*", &n).is_err());
    }

    #[test]
    fn aggregation_tail() {
        let n = names(&["selection"]);
        let (_, a) = parse("selection | count(TargetUserName) by IpAddress > 3", &n).expect("ok");
        let a = a.expect("aggregation");
        assert_eq!(a.field.as_deref(), Some("TargetUserName"));
        assert_eq!(a.group_by.as_deref(), Some("IpAddress"));
        assert_eq!((a.op.as_str(), a.value), (">", 3.0));
        let (_, a) = parse("selection | count() by IpAddress >= 5 # note", &n).expect("ok");
        assert_eq!(a.expect("agg").field, None);
        assert!(parse("selection | near other", &n).is_err());
    }
}
