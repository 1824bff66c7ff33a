//! The CORS part of the configuration (CONTRACT.md): `ALLOW_ORIGINS`, `ALLOW_METHODS`,
//! `ALLOW_HEADERS` (comma-separated, trimmed; `*` = any) and `ALLOW_CREDENTIALS`, read
//! through the same injected lookup as the rest of `config`.

use super::{parse_bool, ConfigError};

/// `ALLOW_ORIGINS`/`ALLOW_METHODS`/`ALLOW_HEADERS` entries: `*` (anything) or a list
/// (empty: nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    Any,
    List(Vec<String>),
}

impl Allow {
    /// Whether `item` is allowed (compared as given: callers normalise case).
    pub fn allows(&self, item: &str) -> bool {
        match self {
            Allow::Any => true,
            Allow::List(l) => l.iter().any(|a| a == item),
        }
    }
}

/// CORS as CONTRACT.md configures it (Starlette's CORSMiddleware semantics). Methods are
/// upper case and headers lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    pub origins: Allow,
    pub methods: Allow,
    pub headers: Allow,
    pub credentials: bool,
}

pub const DEFAULT_ALLOW_ORIGINS: &str = "http://localhost:3000,http://127.0.0.1:3000";
pub const DEFAULT_ALLOW_METHODS: &str = "GET,POST,PUT,DELETE,OPTIONS";
pub const DEFAULT_ALLOW_HEADERS: &str = "Authorization,Content-Type";

/// The four CORS variables. Unlike the others, a variable set to the empty string is not
/// "unset": it means "none" (CONTRACT.md), so these read `lookup` directly.
pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Cors, ConfigError> {
    let list = |name: &'static str,
                default: &str,
                norm: fn(&str) -> String,
                valid: fn(&str) -> bool,
                accepted: &'static str| {
        let raw = lookup(name).unwrap_or_else(|| default.to_string());
        let items: Vec<String> = raw
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(norm)
            .collect();
        if items.iter().any(|i| i == "*") {
            return Ok(Allow::Any);
        }
        match items.iter().find(|i| !valid(i)) {
            Some(_) => Err(ConfigError::Invalid {
                name,
                value: raw,
                accepted,
            }),
            None => Ok(Allow::List(items)),
        }
    };
    let origins = list(
        "ALLOW_ORIGINS",
        DEFAULT_ALLOW_ORIGINS,
        |o| o.trim_end_matches('/').to_string(),
        |o| {
            o.split_once("://").is_some_and(|(scheme, host)| {
                !scheme.is_empty() && !host.is_empty() && !host.contains('/')
            }) && o.bytes().all(|b| b.is_ascii_graphic())
        },
        "* or comma-separated origins such as http://localhost:3000 (scheme://host[:port])",
    )?;
    let methods = list(
        "ALLOW_METHODS",
        DEFAULT_ALLOW_METHODS,
        str::to_ascii_uppercase,
        |m| m.bytes().all(|b| b.is_ascii_alphabetic()),
        "* or comma-separated HTTP methods such as GET,POST",
    )?;
    let headers = list(
        "ALLOW_HEADERS",
        DEFAULT_ALLOW_HEADERS,
        str::to_ascii_lowercase,
        |h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        },
        "* or comma-separated header names such as Authorization,Content-Type",
    )?;
    let credentials = match lookup("ALLOW_CREDENTIALS").filter(|v| !v.trim().is_empty()) {
        None => false,
        Some(v) => parse_bool(&v).ok_or(ConfigError::Invalid {
            name: "ALLOW_CREDENTIALS",
            value: v,
            accepted: "True, False, true, false, 1 or 0",
        })?,
    };
    if credentials && origins == Allow::Any {
        return Err(ConfigError::Invalid {
            name: "ALLOW_CREDENTIALS",
            value: "True".into(),
            accepted: "False while ALLOW_ORIGINS is * (browsers refuse credentials for a \
                       wildcard origin); list the origins in ALLOW_ORIGINS instead",
        });
    }
    Ok(Cors {
        origins,
        methods,
        headers,
        credentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Cors, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_lookup(&|k: &str| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let list = |l: &[&str]| Allow::List(l.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            load(&[]).unwrap(),
            Cors {
                origins: list(&["http://localhost:3000", "http://127.0.0.1:3000"]),
                methods: list(&["GET", "POST", "PUT", "DELETE", "OPTIONS"]),
                headers: list(&["authorization", "content-type"]),
                credentials: false,
            }
        );
    }

    #[test]
    fn cors_lists_are_trimmed_star_means_any_and_empty_means_none() {
        let c = load(&[
            ("ALLOW_ORIGINS", " https://app.example , http://x:8080/ "),
            ("ALLOW_METHODS", "*"),
            ("ALLOW_HEADERS", ""),
            ("ALLOW_CREDENTIALS", "True"),
        ])
        .unwrap();
        assert_eq!(
            c.origins,
            Allow::List(vec!["https://app.example".into(), "http://x:8080".into()])
        );
        assert_eq!((c.methods, c.headers), (Allow::Any, Allow::List(vec![])));
        assert!(c.credentials);
        assert_eq!(load(&[("ALLOW_ORIGINS", "*")]).unwrap().origins, Allow::Any);
    }
}
