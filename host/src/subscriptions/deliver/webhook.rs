//! Webhooks signed as the Standard Webhooks specification says: `webhook-id` (the delivery's
//! idempotency key, the same on every attempt), `webhook-timestamp` (seconds since the epoch, of
//! this attempt) and `webhook-signature`, `v1,` and the base64 HMAC-SHA256 of
//! `id.timestamp.body` under the secret (`whsec_` and the key in base64). A 2xx acknowledges;
//! `410 Gone` stops for good; anything else is tried again later, after `Retry-After` when the
//! receiver sends one. Redirects are not followed.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Attempted;

const PREFIX: &str = "whsec_";

/// Checks a `whsec_` secret: base64 of 24 to 64 bytes.
pub fn check_secret(secret: &str) -> Result<(), String> {
    key(secret).map(|_| ())
}

fn key(secret: &str) -> Result<Vec<u8>, String> {
    let encoded = secret
        .strip_prefix(PREFIX)
        .ok_or("a webhook secret starts with whsec_")?;
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| "a webhook secret is whsec_ and base64".to_string())?;
    if !(24..=64).contains(&key.len()) {
        return Err(format!(
            "a webhook secret holds 24 to 64 bytes, not {}",
            key.len()
        ));
    }
    Ok(key)
}

/// The `webhook-signature` value for one attempt.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)?).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// A `Retry-After` value (seconds, or an HTTP date) as a delay from `now`.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at: DateTime<Utc> = httpdate::parse_http_date(value).ok()?.into();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// One attempt: POSTs `body` to `url`, signed.
pub async fn send(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    id: &str,
    body: Vec<u8>,
) -> Attempted {
    let now = Utc::now();
    let timestamp = now.timestamp();
    let signature = match sign(secret, id, timestamp, &body) {
        Ok(s) => s,
        Err(why) => return Attempted::failed(format!("the stored secret is unusable: {why}")),
    };
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match response {
        Err(e) => Attempted::retry(format!("no answer: {}", without_url(&e))),
        Ok(r) if r.status().is_success() => {
            Attempted::delivered(format!("HTTP {}", r.status().as_u16()))
        }
        Ok(r) if r.status() == reqwest::StatusCode::GONE => {
            Attempted::failed("HTTP 410: the receiver asked us to stop".into())
        }
        Ok(r) => {
            let after = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, now));
            Attempted {
                retry_after: after,
                ..Attempted::retry(format!("HTTP {}", r.status().as_u16()))
            }
        }
    }
}

/// An HTTP error without the URL (which can hold a secret in its query string).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    kind.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_test_vector() {
        // The Standard Webhooks specification's published example (and its libraries' tests).
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_and_retry_after() {
        assert!(check_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
        assert!(check_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(
            check_secret("whsec_c2hvcnQ=")
                .unwrap_err()
                .contains("24 to 64")
        );
        let now = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Tue, 01 Dec 2026 10:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
