//! Email over SMTP (lettre, from `smtp_url` and `smtp_from`): the HTML report as the body with
//! the chart as a related image (`cid:chart.png`), the report's files attached, and the
//! delivery's key as the `Message-ID` on every attempt, so a mail system can drop a duplicate.
//! A permanent SMTP refusal (5xx) stops; anything else is tried again later.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Attempted;

/// What one email says.
pub struct Email<'a> {
    pub from: &'a str,
    pub to: &'a [String],
    pub subject: String,
    pub key: &'a str,
    pub html: Vec<u8>,
    pub chart: Option<&'a [u8]>,
    /// (file name, media type, bytes)
    pub attachments: Vec<(String, String, &'a [u8])>,
}

/// The `Message-ID` for a delivery key: `<KEY@DOMAIN>`, the domain being `smtp_from`'s.
pub fn message_id(key: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
        .filter(|d| !d.is_empty())
        .unwrap_or("carecheck.invalid");
    format!("<{key}@{domain}>")
}

fn build(email: &Email<'_>) -> Result<Message, String> {
    let from: Mailbox = email
        .from
        .parse()
        .map_err(|e| format!("smtp_from is not an address: {e}"))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(email.subject.clone())
        .message_id(Some(message_id(email.key, email.from)));
    for to in email.to {
        builder = builder.to(to.parse().map_err(|e| format!("bad recipient: {e}"))?);
    }
    let html = String::from_utf8_lossy(&email.html).into_owned();
    let mut related = MultiPart::related().singlepart(SinglePart::html(html));
    if let Some(png) = email.chart {
        related = related.singlepart(Attachment::new_inline("chart.png".into()).body(
            png.to_vec(),
            ContentType::parse("image/png").expect("a media type"),
        ));
    }
    let mut mixed = MultiPart::mixed().multipart(related);
    for (name, media_type, body) in &email.attachments {
        let content_type = ContentType::parse(media_type).map_err(|e| e.to_string())?;
        mixed = mixed.singlepart(Attachment::new(name.clone()).body(body.to_vec(), content_type));
    }
    builder.multipart(mixed).map_err(|e| e.to_string())
}

/// One attempt at sending `email` through `smtp_url`.
pub async fn send(smtp_url: &str, email: &Email<'_>) -> Attempted {
    let message = match build(email) {
        Ok(m) => m,
        Err(why) => return Attempted::failed(why),
    };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url) {
        Ok(t) => t.timeout(Some(Duration::from_secs(60))).build(),
        Err(e) => return Attempted::retry(format!("smtp_url: {e}")),
    };
    match transport.send(message).await {
        Ok(response) => Attempted::delivered(format!("SMTP {}", response.code())),
        Err(e) if e.is_permanent() => Attempted::failed(format!("SMTP refused for good: {e}")),
        Err(e) => Attempted::retry(format!("SMTP: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_the_key() {
        assert_eq!(
            message_id("k-1", "Reports <reports@council.example>"),
            "<k-1@council.example>"
        );
        assert_eq!(message_id("k-1", "reports"), "<k-1@carecheck.invalid>");
        let message = build(&Email {
            from: "reports@council.example",
            to: &["board@council.example".into()],
            subject: "Board report".into(),
            key: "k-1",
            html: b"<p>hi</p>".to_vec(),
            chart: Some(b"png"),
            attachments: vec![("k-1.csv".into(), "text/csv".into(), b"a,b\n")],
        })
        .unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("Message-ID: <k-1@council.example>"), "{text}");
        assert!(text.contains("Content-ID: <chart.png>"), "{text}");
        assert!(text.contains("filename=\"k-1.csv\""), "{text}");
    }
}
