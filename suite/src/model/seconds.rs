//! `Duration` as seconds in a JSON number (`f64`), the one form of a duration in every file
//! the suite writes (events.jsonl, run.json) and a benchmark reads back. Use with
//! `#[serde(with = "crate::model::seconds")]`, or `crate::model::seconds::option` for `Option<Duration>`.

use serde::{de::Error, Deserialize, Deserializer, Serializer};
use std::time::Duration;

pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A negative, infinite or NaN number is an error naming the value.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let secs = f64::deserialize(d)?;
    Duration::try_from_secs_f64(secs)
        .map_err(|e| D::Error::custom(format!("{secs} is not a duration in seconds: {e}")))
}

/// `Option<Duration>` as seconds or `null`.
pub(crate) mod option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<f64>::deserialize(d)?
            .map(|secs| {
                Duration::try_from_secs_f64(secs).map_err(|e| {
                    D::Error::custom(format!("{secs} is not a duration in seconds: {e}"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use std::time::Duration;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Timed {
        #[serde(with = "super")]
        took: Duration,
        #[serde(with = "super::option")]
        settled: Option<Duration>,
    }

    #[test]
    fn durations_are_seconds_and_read_back_equal() {
        let t = Timed {
            took: Duration::from_millis(1500),
            settled: None,
        };
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"took":1.5,"settled":null}"#);
        assert_eq!(serde_json::from_str::<Timed>(&json).unwrap(), t);
        let back: Timed = serde_json::from_str(r#"{"took":0.25,"settled":2.0}"#).unwrap();
        assert_eq!(back.settled, Some(Duration::from_secs(2)));
        let bad = serde_json::from_str::<Timed>(r#"{"took":-1.0,"settled":null}"#);
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("-1 is not a duration"));
    }
}
