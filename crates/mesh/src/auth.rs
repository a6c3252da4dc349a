//! The `NHSMESH` Authorization header.
//!
//! `NHSMESH {mailbox}:{nonce}:{nonce_count}:{timestamp}:{hash}`, where `hash` is the
//! lower-case hex HMAC-SHA256, keyed with the environment's shared secret, of
//! `{mailbox}:{nonce}:{nonce_count}:{password}:{timestamp}`. MESH accepts each token once
//! and only within two hours of its clock, so every request gets a fresh one: a random
//! UUID nonce with count 0, and the current UTC time as `yyyyMMddHHmm`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The Authorization header value. Pure: the caller supplies the nonce and timestamp
/// (`yyyyMMddHHmm`, UTC). The mailbox id goes in as given; MESH wants it upper case.
pub fn auth_header(
    mailbox_id: &str,
    password: &str,
    shared_key: &str,
    nonce: &str,
    nonce_count: u32,
    timestamp: &str,
) -> String {
    let signed = format!("{mailbox_id}:{nonce}:{nonce_count}:{password}:{timestamp}");
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(shared_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(signed.as_bytes());
    let hash = hex(&mac.finalize().into_bytes());
    format!("NHSMESH {mailbox_id}:{nonce}:{nonce_count}:{timestamp}:{hash}")
}

/// A fresh header for one request: a random nonce, count 0, now.
pub(crate) fn fresh_auth_header(mailbox_id: &str, password: &str, shared_key: &str) -> String {
    let nonce = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    auth_header(
        mailbox_id,
        password,
        shared_key,
        &nonce.hyphenated().to_string(),
        0,
        &timestamp(time::OffsetDateTime::now_utc()),
    )
}

/// `yyyyMMddHHmm` in UTC.
pub(crate) fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected hashes computed once, independently, with Python's standard library:
    //   hmac.HMAC(key.encode(), f"{mailbox}:{nonce}:{count}:{password}:{ts}".encode(),
    //             hashlib.sha256).hexdigest()
    #[test]
    fn known_vectors() {
        assert_eq!(
            auth_header(
                "X26ABC1",
                "password",
                "Banana",
                "2c001608-5f09-4840-9611-bea43e666a30",
                1,
                "202511201038"
            ),
            "NHSMESH X26ABC1:2c001608-5f09-4840-9611-bea43e666a30:1:202511201038:\
             315f9e1606c56eb1191c773fd47fdab3af95298538c8aba35568746eec637b8b"
        );
        // A password with a colon in it is signed as it is (the hash hides it).
        assert_eq!(
            auth_header(
                "MAILBOX01",
                "pa55:word",
                "TestKey",
                "00000000-0000-0000-0000-000000000000",
                0,
                "202001010000"
            ),
            "NHSMESH MAILBOX01:00000000-0000-0000-0000-000000000000:0:202001010000:\
             6b00309a89b460b04d6a3a424ab51b46c4cce93a74216bd69abbc80fa2da6f2a"
        );
    }

    #[test]
    fn header_shape() {
        let h = auth_header("MB", "pw", "key", "nonce", 7, "202401311259");
        let rest = h.strip_prefix("NHSMESH ").expect("scheme and one space");
        let parts: Vec<&str> = rest.split(':').collect();
        assert_eq!(parts.len(), 5, "{h}");
        assert_eq!(&parts[..4], ["MB", "nonce", "7", "202401311259"]);
        assert_eq!(parts[4].len(), 64);
        assert!(
            parts[4]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        // The password is never in the header.
        assert!(!h.contains("pw"));
    }

    #[test]
    fn fresh_headers_differ_and_use_a_uuid_nonce() {
        let a = fresh_auth_header("MB", "pw", "key");
        let b = fresh_auth_header("MB", "pw", "key");
        assert_ne!(a, b, "each request needs its own token");
        let nonce = a.split(':').nth(1).expect("a nonce");
        assert!(uuid::Uuid::parse_str(nonce).is_ok(), "{nonce}");
        assert_eq!(a.split(':').nth(2), Some("0"));
        assert_eq!(a.split(':').nth(3).map(str::len), Some(12));
    }

    #[test]
    fn timestamp_format() {
        let at = time::macros::datetime!(2020-05-04 13:05:59 UTC);
        assert_eq!(timestamp(at), "202005041305");
        // Converted to UTC first.
        let at = time::macros::datetime!(2020-05-04 00:30 +01:00);
        assert_eq!(timestamp(at), "202005032330");
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
