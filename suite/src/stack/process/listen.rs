//! Where a backend says it listens, read from its own output: one started with a port it
//! does not use (a fixed `BIND_ADDR` or `--port 8000` instead of `{port}`) names another
//! address, and the health gate says so instead of waiting out its timeout.

/// The loopback and any-address hosts a backend names when it says where it listens.
const HOSTS: [&str; 6] = [
    "127.0.0.1:",
    "0.0.0.0:",
    "localhost:",
    "[::1]:",
    "[::]:",
    "*:",
];

/// Every `host:port` of [`HOSTS`] the text names, in order.
fn addresses(text: &str) -> Vec<(String, u16)> {
    let mut found = Vec::new();
    for (at, _) in text.char_indices() {
        let rest = &text[at..];
        let Some(host) = HOSTS.iter().find(|h| rest.starts_with(*h)) else {
            continue;
        };
        let digits: String = rest[host.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(port) = digits.parse::<u16>() {
            found.push((format!("{host}{digits}"), port));
        }
    }
    found
}

/// The first address the output names on another port than `ours`, when it names none on
/// `ours`: where the backend listens instead.
pub(super) fn elsewhere(output: &str, ours: u16) -> Option<String> {
    let found = addresses(output);
    if found.iter().any(|(_, port)| *port == ours) {
        return None;
    }
    found.into_iter().next().map(|(address, _)| address)
}

#[cfg(test)]
mod tests {
    use super::elsewhere;

    #[test]
    fn another_port_is_named_only_when_ours_is_not() {
        let cases: [(&str, Option<&str>); 7] = [
            ("listening on 127.0.0.1:18999\n", Some("127.0.0.1:18999")),
            (
                "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C)",
                Some("0.0.0.0:8000"),
            ),
            (
                " * Running on http://localhost:5000",
                Some("localhost:5000"),
            ),
            ("listening on [::]:9000", Some("[::]:9000")),
            ("listening on 127.0.0.1:40123\n", None),
            ("db at 127.0.0.1:5432; api on 0.0.0.0:40123", None),
            ("starting, no address yet; version 1.2:3", None),
        ];
        for (output, want) in cases {
            assert_eq!(elsewhere(output, 40123).as_deref(), want, "{output}");
        }
    }
}
