// SPDX-License-Identifier: GPL-3.0-or-later
//! The viewer's parental PIN at rest and the lockout after wrong entries.
//!
//! The PIN is stored only as an Argon2id hash (PHC string, OWASP's minimum: 19 MiB, 2 passes,
//! 1 lane) so the state file never shows it. A 4-digit PIN has 10,000 values, so the hash only
//! stops a casual look at the file; what stops guessing at the remote is the lockout: after
//! [`FREE_ATTEMPTS`] wrong entries in a row each further one locks the prompt for twice as long
//! as the one before (30 s, 1 min, 2 min … at most an hour). Counter and end of the lockout are
//! in the state file, so pulling the plug does not reset them.
//!
//! Pure: the salt is derived from the time of the change (given by the caller), not from a
//! random source, so tests are deterministic; a salt must be unique, not secret.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Wrong entries in a row allowed before the lockout starts.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first lockout; each further wrong entry doubles it.
pub const FIRST_LOCKOUT_MS: i64 = 30_000;
/// The longest lockout.
pub const MAX_LOCKOUT_MS: i64 = 3_600_000;

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `pin`, salted with `salt_seed` (e.g. the time of the change).
pub fn hash_pin(pin: &str, salt_seed: u64) -> Option<String> {
    let mut salt = [0u8; 16];
    // SplitMix64 spreads the seed over 16 bytes.
    let mut x = salt_seed;
    for part in salt.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        part.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    let salt = SaltString::encode_b64(&salt).ok()?;
    argon2()
        .hash_password(pin.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

/// Whether `pin` matches the PHC string `hash` (constant time; a damaged hash matches nothing).
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon2().verify_password(pin.as_bytes(), &h).is_ok())
}

/// How long the prompt stays locked after `failures` wrong entries in a row.
pub fn lockout_ms(failures: u32) -> i64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(20);
    (FIRST_LOCKOUT_MS << doublings).min(MAX_LOCKOUT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_hide_the_pin() {
        let h = hash_pin("4711", 1).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!h.contains("4711"));
        assert!(verify_pin("4711", &h));
        assert!(!verify_pin("4712", &h));
        assert!(!verify_pin("4711", "4711"), "a clear PIN is not a hash");
        assert_ne!(hash_pin("4711", 2).unwrap(), h, "salts differ");
    }

    #[test]
    fn lockout_doubles_from_the_sixth_wrong_entry() {
        assert_eq!(lockout_ms(4), 0);
        assert_eq!(lockout_ms(5), 30_000);
        assert_eq!(lockout_ms(6), 60_000);
        assert_eq!(lockout_ms(9), 480_000);
        assert_eq!(lockout_ms(40), MAX_LOCKOUT_MS);
    }
}
