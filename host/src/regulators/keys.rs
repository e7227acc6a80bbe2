//! Ed25519 keys and detached signatures, in the files regulators keep.
//!
//! Keys are PEM (PKCS#8 private keys, SPKI public keys), the forms `openssl genpkey -algorithm
//! ed25519` writes, so a regulator may make and use its keys with carecheck or with OpenSSL. A
//! signature is the 64 bytes of an Ed25519 signature over the component's exact bytes, as
//! `carecheck plugin sign` and `openssl pkeyutl -sign -rawin` write them; its base64 text is
//! accepted as well, for clients that cannot send binary. Verification is strict (no
//! small-order keys, no malleable signatures).

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// A public key as the store keeps it: its 32 bytes in hex.
pub fn to_hex(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// A stored public key.
pub fn from_hex(hex_key: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("a stored public key is not 32 bytes of hex")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("a stored public key is invalid: {e}"))
}

/// A key's id: the first 16 hex digits of the sha256 of its 32 bytes (what listings, audit
/// entries and refusals name a key by).
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))[..16].to_string()
}

/// Reads a PEM public key (`-----BEGIN PUBLIC KEY-----`), refusing weak (small-order) keys.
pub fn parse_public(pem: &str) -> Result<VerifyingKey, String> {
    let key = VerifyingKey::from_public_key_pem(pem.trim()).map_err(|e| {
        format!("not an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----): {e}")
    })?;
    if key.is_weak() {
        return Err("the public key is a weak (small-order) Ed25519 key".into());
    }
    Ok(key)
}

/// Reads a PEM private key (`-----BEGIN PRIVATE KEY-----`).
pub fn parse_private(pem: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
        format!("not an Ed25519 private key in PEM (-----BEGIN PRIVATE KEY-----): {e}")
    })
}

/// A new key pair (from the thread's CSPRNG, seeded by the operating system, as tokens are):
/// (private PEM, public PEM).
pub fn generate() -> (String, String) {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
    let key = SigningKey::from_bytes(&seed);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .expect("an Ed25519 key encodes as PKCS#8")
        .to_string();
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("an Ed25519 key encodes as SPKI");
    (private, public)
}

/// The detached signature of `message`: 64 raw bytes.
pub fn sign(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    key.sign(message).to_bytes()
}

/// A detached signature as sent: 64 raw bytes, or their base64 text.
pub fn parse_signature(bytes: &[u8]) -> Result<Signature, String> {
    let raw: [u8; 64] = match <[u8; 64]>::try_from(bytes) {
        Ok(raw) => raw,
        Err(_) => {
            use base64::Engine;
            let text = std::str::from_utf8(bytes).map_err(|_| signature_shape(bytes.len()))?;
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|b| <[u8; 64]>::try_from(b).ok())
                .ok_or_else(|| signature_shape(bytes.len()))?
        }
    };
    Ok(Signature::from_bytes(&raw))
}

fn signature_shape(len: usize) -> String {
    format!(
        "a signature is the 64 bytes of an Ed25519 signature (or their base64), not {len} bytes"
    )
}

/// Whether `signature` is `key`'s signature over exactly `message`.
pub fn verifies(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    key.verify_strict(message, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_over_the_exact_bytes_only() {
        let (private, public) = generate();
        let signing = parse_private(&private).unwrap();
        let verifying = parse_public(&public).unwrap();
        assert_eq!(key_id(&verifying).len(), 16);
        assert_eq!(from_hex(&to_hex(&verifying)).unwrap(), verifying);
        let raw = sign(&signing, b"component bytes");
        let signature = parse_signature(&raw).unwrap();
        assert!(verifies(&verifying, b"component bytes", &signature));
        assert!(!verifies(&verifying, b"component bytez", &signature));
        use base64::Engine;
        let text = base64::engine::general_purpose::STANDARD.encode(raw) + "\n";
        assert_eq!(parse_signature(text.as_bytes()).unwrap(), signature);
        assert!(
            parse_signature(b"short")
                .unwrap_err()
                .contains("not 5 bytes")
        );
        assert!(parse_public(&private).is_err());
        assert!(parse_private(&public).is_err());
    }
}
