//! The NHS number vault: the only place NHS numbers — and the other details that would
//! identify someone, their date of birth and home postcode — exist, sealed per person.
//!
//! Each person (identified by a keyed-HMAC pseudonym of their NHS number, which is all other
//! services ever see) has a random data key, stored wrapped under the service's master key in
//! `subject_keys`. Their NHS number is sealed with it (AES-256-GCM, bound to the pseudonym), as
//! are their date of birth and postcode (each bound to the pseudonym and to what it is, so one
//! cannot be passed off as another), and only the ciphertext goes into the log. Deleting the
//! person's key erases every copy of all of them from the log at once; the log's hash chains
//! cover the ciphertext, so they still verify.

use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use eventstore::{EventStore, StoreError, on_pool};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::nhs_number::{NhsNumber, SealedNhsNumber};
use crate::domain::person::Sealed;

/// A detail of a person sealed beside their NHS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Their date of birth, `YYYY-MM-DD`.
    BirthDate,
    /// Their home postcode, normalised.
    Postcode,
}

impl Detail {
    /// What the ciphertext is bound to beside the pseudonym.
    fn label(self) -> &'static str {
        match self {
            Detail::BirthDate => "birth_date",
            Detail::Postcode => "postcode",
        }
    }

    fn aad(self, subject: &str) -> Vec<u8> {
        format!("{subject}#{}", self.label()).into_bytes()
    }
}

/// The two secrets the vault needs, from the deployment's secret store.
#[derive(Clone)]
pub struct VaultKeys {
    /// Keys the HMAC that turns an NHS number into a pseudonym.
    pub pseudonym_key: [u8; 32],
    /// Wraps each person's data key.
    pub master_key: [u8; 32],
}

impl fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKeys(***)")
    }
}

/// Vault failures.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Reading or writing keys failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key or ciphertext is corrupt, was sealed under other keys, or could not be sealed.
    #[error("sealing failed, or sealed data is corrupt or was sealed under another key")]
    Corrupt,
}

impl From<sqlx::Error> for VaultError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// Seals, opens and erases NHS numbers.
#[derive(Debug, Clone)]
pub struct Vault {
    store: EventStore,
    keys: Arc<VaultKeys>,
}

const NONCE_BYTES: usize = 12;

fn seal_with(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Corrupt)?;
    let mut sealed = nonce.to_vec();
    sealed.extend(ciphertext);
    Ok(sealed)
}

fn open_with(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() <= NONCE_BYTES {
        return Err(VaultError::Corrupt);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| VaultError::Corrupt)
}

impl Vault {
    /// A vault keeping its keys in `store`'s database.
    pub fn new(store: EventStore, keys: VaultKeys) -> Self {
        Self {
            store,
            keys: Arc::new(keys),
        }
    }

    /// The person's pseudonym: stable for one pseudonym key, useless without it.
    pub fn pseudonym(&self, nhs_number: &NhsNumber) -> String {
        // HMAC zero-pads keys shorter than its 64-byte block, so this is HMAC under the key.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.keys.pseudonym_key);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(b"linkwork.nhs-number.v1:");
        mac.update(nhs_number.expose().as_bytes());
        format!("nhs-hmac:{}", hex::encode(mac.finalize().into_bytes()))
    }

    /// Seals `nhs_number` under its person's key, creating the key on first use.
    pub async fn seal(&self, nhs_number: &NhsNumber) -> Result<SealedNhsNumber, VaultError> {
        let subject = self.pseudonym(nhs_number);
        let key = self.data_key(&subject).await?;
        let sealed = seal_with(&key, nhs_number.expose().as_bytes(), subject.as_bytes())?;
        Ok(SealedNhsNumber {
            subject,
            ciphertext: hex::encode(sealed),
        })
    }

    /// Opens a sealed number; `None` once the person's key has been erased.
    pub async fn open(&self, sealed: &SealedNhsNumber) -> Result<Option<NhsNumber>, VaultError> {
        let Some(key) = self.existing_key(&sealed.subject).await? else {
            return Ok(None);
        };
        let bytes = hex::decode(&sealed.ciphertext).map_err(|_| VaultError::Corrupt)?;
        let plain = open_with(&key, &bytes, sealed.subject.as_bytes())?;
        let digits = String::from_utf8(plain).map_err(|_| VaultError::Corrupt)?;
        NhsNumber::parse(&digits, true)
            .map(Some)
            .map_err(|_| VaultError::Corrupt)
    }

    /// Seals `text`, a `detail` of the person `subject` names, under their key (created on
    /// first use, though their NHS number is normally sealed first).
    pub async fn seal_detail(
        &self,
        subject: &str,
        detail: Detail,
        text: &str,
    ) -> Result<Sealed, VaultError> {
        let key = self.data_key(subject).await?;
        let sealed = seal_with(&key, text.as_bytes(), &detail.aad(subject))?;
        Ok(Sealed(hex::encode(sealed)))
    }

    /// Opens a sealed detail; `None` once the person's key has been erased.
    pub async fn open_detail(
        &self,
        subject: &str,
        detail: Detail,
        sealed: &Sealed,
    ) -> Result<Option<String>, VaultError> {
        let Some(key) = self.existing_key(subject).await? else {
            return Ok(None);
        };
        let bytes = hex::decode(&sealed.0).map_err(|_| VaultError::Corrupt)?;
        let plain = open_with(&key, &bytes, &detail.aad(subject))?;
        String::from_utf8(plain)
            .map(Some)
            .map_err(|_| VaultError::Corrupt)
    }

    /// Erases the person's key: every sealed copy of their number, date of birth and postcode
    /// becomes unreadable.
    /// Returns false if there was no key.
    pub async fn erase(&self, subject: &str) -> Result<bool, VaultError> {
        let sql = "DELETE FROM subject_keys WHERE subject = $1";
        let deleted = on_pool!(self.store, |pool| {
            sqlx::query(sql)
                .bind(subject)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(deleted == 1)
    }

    async fn existing_key(&self, subject: &str) -> Result<Option<[u8; 32]>, VaultError> {
        let sql = "SELECT wrapped_key FROM subject_keys WHERE subject = $1";
        let wrapped: Option<(Vec<u8>,)> = on_pool!(self.store, |pool| sqlx::query_as(sql)
            .bind(subject)
            .fetch_optional(pool)
            .await)?;
        let Some((wrapped,)) = wrapped else {
            return Ok(None);
        };
        let key = open_with(&self.keys.master_key, &wrapped, subject.as_bytes())?;
        key.try_into().map(Some).map_err(|_| VaultError::Corrupt)
    }

    async fn data_key(&self, subject: &str) -> Result<[u8; 32], VaultError> {
        if let Some(key) = self.existing_key(subject).await? {
            return Ok(key);
        }
        let key: [u8; 32] = Aes256Gcm::generate_key(&mut OsRng).into();
        let wrapped = seal_with(&self.keys.master_key, &key, subject.as_bytes())?;
        // Two first referrals of one person at once: the first key stored wins for both.
        let sql = "INSERT INTO subject_keys (subject, wrapped_key) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        on_pool!(self.store, |pool| sqlx::query(sql)
            .bind(subject)
            .bind(&wrapped)
            .execute(pool)
            .await
            .map(drop))?;
        self.existing_key(subject).await?.ok_or(VaultError::Corrupt)
    }
}
