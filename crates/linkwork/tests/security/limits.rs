//! T18, limits before work, through the running platform: oversized bodies and headers, deep
//! nesting, huge arrays, text that shows nothing or reads other than it displays, control
//! characters, bytes that are not UTF-8 and duplicate keys are each refused the same way every
//! time, naming the field and never echoing what was sent — and nothing a client sends makes a
//! 500.

use serde_json::{Value, json};
use testkit::BackendKind;

use crate::platform::{Answer, Outgoing, Platform, Who};

testkit::on_both_backends!(hostile_input_is_refused_before_any_work);

const GP: Who = Who::new("dr-a", "LWP-A", "referrer");
const ADMIN: Who = Who::new("admin", "ICB", "directory-admin");
/// The JSON API's body limit.
const LIMIT: usize = 256 * 1024;

async fn hostile_input_is_refused_before_any_work(kind: BackendKind) {
    let platform = Platform::up(kind).await;
    let token = platform.token(ADMIN);
    let raw = |body: Vec<u8>| Outgoing {
        method: "POST",
        path: "/api/v1/organizations",
        token: Some(&token),
        content_type: Some("application/json"),
        body,
        ..Outgoing::default()
    };
    let named = |name: &str| json!({ "name": name }).to_string().into_bytes();
    let nested = |depth: usize| {
        format!(
            "{{\"name\":\"x\",\"description\":{}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
        .into_bytes()
    };
    let huge_array = format!(
        "{{\"name\":\"x\",\"description\":[{}1]}}",
        "1,".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("one byte over the limit", vec![b' '; LIMIT + 1], 413, ""),
        ("nesting 33 deep", nested(33), 400, "description"),
        ("nesting 129 deep", nested(129), 400, ""),
        ("nesting 100 000 deep", nested(100_000), 400, ""),
        (
            "an array of 100 000",
            huge_array.into_bytes(),
            400,
            "description",
        ),
        (
            "a name of a zero-width space",
            named("\u{200b}"),
            400,
            "name",
        ),
        (
            "a name of invisible characters",
            named("\u{200b}\u{2060} \u{feff}"),
            400,
            "name",
        ),
        (
            "a right-to-left override",
            named("evil\u{202e}txt.exe"),
            400,
            "name",
        ),
        ("a directional isolate", named("a\u{2066}b"), 400, "name"),
        ("a NUL", named("a\u{0}b"), 400, "name"),
        (
            "bytes that are not UTF-8",
            b"{\"name\":\"\xff\xfe\"}".to_vec(),
            400,
            "",
        ),
        (
            "a key twice",
            b"{\"name\":\"a\",\"name\":\"b\"}".to_vec(),
            400,
            "name",
        ),
        ("a name too long", named(&"n".repeat(301)), 400, "name"),
    ];
    for (what, body, status, field) in cases {
        let sent = body.clone();
        let answers = [
            platform.send(raw(body.clone())).await,
            platform.send(raw(body)).await,
        ];
        for answer in &answers {
            assert_eq!(answer.status, status, "{what}: {}", answer.body);
            let message = answer.json()["error"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(message.contains(field), "{what} names {field}: {message}");
            assert!(answer.body.len() < 1000, "{what}: the refusal is short");
            if sent.len() > 40 {
                let echoed = String::from_utf8_lossy(&sent[..40]).into_owned();
                assert!(!answer.body.contains(&echoed), "{what} is not echoed");
            }
        }
        assert_eq!(
            answers[0].body, answers[1].body,
            "{what}: the same answer each time"
        );
    }

    // Long text in a field with values, on a referral's command: refused, not echoed.
    let outcome = "x".repeat(20_000);
    let path = "/api/v1/referrals/00000000-0000-4000-8000-000000000000/contact-attempts";
    let answer = platform
        .json(GP, "POST", path, &json!({ "outcome": outcome }))
        .await;
    no_fault(&answer, "a 20 000-character outcome");
    assert!(!answer.body.contains(&outcome[..100]), "{}", answer.body);

    // Oversized headers are no one's identity, and no fault.
    let long = "y".repeat(7_000);
    let answer = platform
        .send(Outgoing {
            method: "GET",
            path: "/api/v1/holdings",
            headers: vec![
                ("x-linkwork-user", long.clone()),
                ("x-linkwork-organisation", long.clone()),
                ("x-linkwork-role", long.clone()),
            ],
            ..Outgoing::default()
        })
        .await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    let gp = platform.token(GP);
    for (header, value) in [
        ("traceparent", long.clone()),
        ("x-correlation-id", long.clone()),
        ("idempotency-key", long.clone()),
        ("authorization", format!("Bearer {}", "z".repeat(20_000))),
    ] {
        let token = match header {
            "authorization" => None,
            _ => Some(gp.as_str()),
        };
        let answer = platform
            .send(Outgoing {
                method: "GET",
                path: "/api/v1/holdings",
                token,
                headers: vec![(header, value)],
                ..Outgoing::default()
            })
            .await;
        no_fault(&answer, header);
    }
}

/// A client's mistake is never the server's fault.
fn no_fault(answer: &Answer, what: &str) {
    assert!(
        (400..500).contains(&answer.status) || answer.status == 200,
        "{what}: {} {}",
        answer.status,
        answer.body
    );
    let message: Value = answer.json();
    assert_ne!(message["error"], "internal error", "{what}");
}
