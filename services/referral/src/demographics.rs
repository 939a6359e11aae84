//! A person's details on their way into a referral, whichever interface brought them: the date
//! of birth and postcode sealed under the person's key (only ciphertext reaches the command,
//! and so the log), and the deprivation decile of the postcode asked of the directory before
//! the decider runs, since a decider makes no calls.

use chrono::NaiveDate;

use crate::deprivation::Deprivation;
use crate::domain::person::{Age, BirthDate, Demographics, EthnicCategory, Sex};
use crate::domain::postcode::Postcode;
use crate::vault::{Detail, Vault, VaultError};
use servicekit::OnBehalfOf;

/// What a request says of who the person is, checked but not yet sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    /// Their date of birth, checked against the day it arrived.
    pub birth_date: Option<NaiveDate>,
    /// Their sex.
    pub sex: Option<Sex>,
    /// Their ethnic category.
    pub ethnic_category: Option<EthnicCategory>,
    /// Their home postcode.
    pub postcode: Option<Postcode>,
}

/// Seals what identifies, and looks up what the directory knows.
#[derive(Debug, Clone)]
pub struct Intake {
    vault: Vault,
    deprivation: Deprivation,
}

impl Intake {
    /// Sealing in `vault`, asking deprivation of `deprivation`.
    pub fn new(vault: Vault, deprivation: Deprivation) -> Self {
        Self { vault, deprivation }
    }

    /// The demographics a command carries for the person `subject` names: `given`, with the
    /// date of birth and postcode sealed under their key and the postcode's decile when the
    /// directory can say in time (asked on `caller`'s behalf). Only the vault can fail this;
    /// the directory never does.
    pub async fn demographics(
        &self,
        subject: &str,
        given: Given,
        caller: OnBehalfOf<'_>,
    ) -> Result<Demographics, VaultError> {
        let birth_date = match given.birth_date {
            Some(date) => {
                let text = date.format("%Y-%m-%d").to_string();
                let sealed = self
                    .vault
                    .seal_detail(subject, Detail::BirthDate, &text)
                    .await?;
                Some(BirthDate {
                    sealed,
                    age: Age::BornOn(date),
                })
            }
            None => None,
        };
        let (postcode, imd_decile) = match &given.postcode {
            Some(postcode) => {
                let sealed = self
                    .vault
                    .seal_detail(subject, Detail::Postcode, postcode.expose())
                    .await?;
                (
                    Some(sealed),
                    self.deprivation.decile(postcode, caller).await,
                )
            }
            None => (None, None),
        };
        Ok(Demographics {
            birth_date,
            sex: given.sex,
            ethnic_category: given.ethnic_category,
            postcode,
            imd_decile,
        })
    }
}
