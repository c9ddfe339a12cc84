//! Storage for shared data, consented prefills, department signing keys and
//! e-certificates: the [`SharingStore`] half of the store, implemented for both
//! backends by [`impl_sharing_store!`].

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::{AccessEntry, Result};

/// One subject's record in one shared data source (embedded default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharedRecord {
    pub source: String,
    /// The subject key: an ID number or a credit code.
    pub subject: String,
    pub attributes: BTreeMap<String, String>,
}

/// Values fetched from shared sources for one applicant's form, after consent.
/// `doc` is the server's JSON; the store keeps it as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefill {
    pub id: String,
    pub account_id: String,
    pub one_thing: String,
    pub doc: String,
    pub created_at: DateTime<Utc>,
}

/// A department's signing key. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub key_id: String,
    pub department: String,
    pub algorithm: String,
    pub public_key: Vec<u8>,
    pub secret: Vec<u8>,
    pub valid_from: NaiveDate,
    /// From this day on the key signs nothing new; what it signed stays verifiable.
    pub retired_at: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("key_id", &self.key_id)
            .field("department", &self.department)
            .field("algorithm", &self.algorithm)
            .field("valid_from", &self.valid_from)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// An issued e-certificate: the signed file and what is needed to find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredCertificate {
    pub id: String,
    pub type_code: String,
    pub number: String,
    pub holder_id_number: String,
    pub case_id: Option<String>,
    pub item: Option<String>,
    pub issuer_code: String,
    pub issue_date: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The canonical JSON file (RFC 8785), exactly as signed and served.
    pub file: String,
    pub revoked_on: Option<NaiveDate>,
    pub revoke_reason: Option<String>,
    pub issued_at: DateTime<Utc>,
}

/// A certificate to store with the account whose ledger entries it belongs to.
#[derive(Clone, Debug)]
pub struct NewCertificate {
    pub certificate: StoredCertificate,
    /// Who issued it (staff account or `system`) and for which department.
    pub actor: String,
    /// The account of the holder, if they have one: the subject of the ledger entry.
    pub subject: Option<String>,
}

/// An access entry with the subject whose data it concerns and the legal basis,
/// for reads that happen outside a case (shared data, verifications).
#[derive(Clone, Debug)]
pub struct SubjectAccess {
    pub entry: AccessEntry,
    /// The account whose data it is, if known.
    pub subject: Option<String>,
    pub legal_basis: String,
}

/// Shared data, prefills, keys and certificates. Part of every [`crate::Store`].
#[async_trait]
pub trait SharingStore: Send + Sync {
    /// Inserts or replaces records, in one transaction.
    async fn put_shared_records(&self, records: &[SharedRecord]) -> Result<()>;
    async fn shared_record(&self, source: &str, subject: &str) -> Result<Option<SharedRecord>>;
    async fn shared_record_count(&self) -> Result<i64>;

    /// Writes access entries (each with its ledger entry) in one transaction.
    async fn record_accesses(&self, accesses: &[SubjectAccess]) -> Result<()>;
    /// Stores a prefill together with the access entries of the reads that made it.
    async fn put_prefill(&self, prefill: &Prefill, accesses: &[SubjectAccess]) -> Result<()>;
    async fn prefill(&self, id: &str) -> Result<Option<Prefill>>;

    /// Every key, active and retired, oldest first.
    async fn issuer_keys(&self) -> Result<Vec<StoredKey>>;
    /// Adds a key for its department; the department's active key, if any, is
    /// retired on `key.valid_from` in the same transaction.
    async fn add_issuer_key(&self, key: &StoredKey) -> Result<()>;

    /// Stores certificates issued outside a case change, with their ledger entries.
    async fn insert_certificates(&self, certificates: &[NewCertificate]) -> Result<()>;
    async fn certificate(&self, id: &str) -> Result<Option<StoredCertificate>>;
    /// The certificate of a type with a number (the newest, should an issuer have
    /// reused a number), for checking a paper or screen copy by what it shows.
    async fn certificate_by_number(&self, type_code: &str, number: &str) -> Result<Option<StoredCertificate>>;
    /// A holder's certificates, newest first.
    async fn certificates_of_holder(&self, id_number: &str) -> Result<Vec<StoredCertificate>>;
    async fn certificates_of_case(&self, case_id: &str) -> Result<Vec<StoredCertificate>>;
    /// Revokes a certificate and writes the access entry that records it; `false`
    /// (and nothing written) if it is unknown or already revoked.
    async fn revoke_certificate(
        &self,
        id: &str,
        revoked_on: NaiveDate,
        reason: &str,
        record: &SubjectAccess,
    ) -> Result<bool>;
    async fn put_certificate_share(
        &self,
        token_hash: &str,
        certificate_id: &str,
        expires_at: DateTime<Utc>,
        created_at: DateTime<Utc>,
        created_by: &str,
    ) -> Result<()>;
    /// The certificate id and expiry of a share link.
    async fn certificate_share(&self, token_hash: &str) -> Result<Option<(String, DateTime<Utc>)>>;
}

/// The ledger entry of an access with an explicit subject and legal basis.
pub(crate) fn subject_access_entry(access: &SubjectAccess) -> ledger::LedgerEntry {
    let mut entry = crate::common::access_ledger_entry(&access.entry, access.subject.clone());
    entry.legal_basis = Some(access.legal_basis.clone());
    entry
}

/// The ledger entry of an issued certificate.
pub(crate) fn issued_entry(new: &NewCertificate) -> ledger::LedgerEntry {
    let certificate = &new.certificate;
    ledger::LedgerEntry {
        format: ledger::entry::ENTRY_FORMAT_V1,
        at_ms: crate::common::millis(certificate.issued_at),
        kind: "certificate.issued".to_owned(),
        actor: new.actor.clone(),
        department: Some(certificate.issuer_code.clone()),
        case_id: certificate.case_id.clone(),
        subject: new.subject.clone(),
        elements: Vec::new(),
        purpose: Some("签发电子证照".to_owned()),
        legal_basis: Some("依申请办结事项并签发证照".to_owned()),
        detail: format!(
            "{} {} {}{}",
            certificate.id,
            certificate.type_code,
            certificate.number,
            crate::state::suffix(
                &crate::state::certificate_key(&certificate.id),
                &crate::state::certificate_digest(
                    &certificate.file,
                    certificate.revoked_on.map(crate::common::date_text).as_deref(),
                    certificate.revoke_reason.as_deref(),
                ),
            )
        ),
    }
}

pub(crate) fn certificate_from_row(row: &impl crate::common::ReadRow) -> Result<StoredCertificate> {
    use crate::common::{date_from_text, optional_date_from_text, time_from_millis};
    Ok(StoredCertificate {
        id: row.text("id")?,
        type_code: row.text("type_code")?,
        number: row.text("number")?,
        holder_id_number: row.text("holder_id_number")?,
        case_id: row.optional_text("case_id")?,
        item: row.optional_text("item")?,
        issuer_code: row.text("issuer_code")?,
        issue_date: date_from_text(&row.text("issue_date")?, "issue date")?,
        valid_until: optional_date_from_text(row.optional_text("valid_until")?, "valid until")?,
        file: row.text("file")?,
        revoked_on: optional_date_from_text(row.optional_text("revoked_on")?, "revocation date")?,
        revoke_reason: row.optional_text("revoke_reason")?,
        issued_at: time_from_millis(row.int("issued_at")?, "issue time")?,
    })
}

pub(crate) fn key_from_row(row: &impl crate::common::ReadRow) -> Result<StoredKey> {
    use crate::common::{date_from_text, optional_date_from_text, time_from_millis};
    Ok(StoredKey {
        key_id: row.text("key_id")?,
        department: row.text("department")?,
        algorithm: row.text("algorithm")?,
        public_key: row.bytes("public_key")?,
        secret: row.bytes("secret")?,
        valid_from: date_from_text(&row.text("valid_from")?, "key valid from")?,
        retired_at: optional_date_from_text(row.optional_text("retired_at")?, "key retired at")?,
        created_at: time_from_millis(row.int("created_at")?, "key created at")?,
    })
}

pub(crate) fn record_from_row(row: &impl crate::common::ReadRow) -> Result<SharedRecord> {
    let attributes = serde_json::from_str(&row.text("attributes")?)
        .map_err(|error| crate::StoreError::Corrupt(format!("shared record attributes: {error}")))?;
    Ok(SharedRecord {
        source: row.text("source")?,
        subject: row.text("subject")?,
        attributes,
    })
}

/// Rows per multi-row insert of shared records (3 parameters each; SQLite allows 32766).
pub(crate) const RECORDS_PER_STATEMENT: usize = 500;

/// Implements [`SharingStore`] for a store type that has `pool()`, `sql()`,
/// `sql_owned()`, `begin_write()` and `append_ledger()` (see `impl_store!`).
macro_rules! impl_sharing_store {
    ($store:ty) => {
        const _: () = {
            use chrono::{DateTime, NaiveDate, Utc};

            use $crate::common::{self as common, ReadRow as _, millis};
            use $crate::shared::{
                self as shared, NewCertificate, Prefill, SharedRecord, StoredCertificate, StoredKey, SubjectAccess,
            };
            use $crate::{Result, StoreError, sql};

            #[async_trait::async_trait]
            impl $crate::SharingStore for $store {
                async fn put_shared_records(&self, records: &[SharedRecord]) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        for chunk in records.chunks(shared::RECORDS_PER_STATEMENT) {
                            let statement = self.sql_rows(sql::SHARED_RECORD_UPSERT, chunk.len());
                            let mut query = sqlx::query(&statement);
                            for record in chunk {
                                let attributes = serde_json::to_string(&record.attributes)
                                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                                query = query.bind(&record.source).bind(&record.subject).bind(attributes);
                            }
                            query.execute(&mut *writer.tx).await?;
                        }
                        writer.commit().await
                    })
                    .await
                }

                async fn shared_record(&self, source: &str, subject: &str) -> Result<Option<SharedRecord>> {
                    sqlx::query(&self.sql(sql::SHARED_RECORD_GET))
                        .bind(source)
                        .bind(subject)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(shared::record_from_row)
                        .transpose()
                }

                async fn shared_record_count(&self) -> Result<i64> {
                    sqlx::query(&self.sql(sql::SHARED_RECORD_COUNT))
                        .fetch_one(self.pool())
                        .await?
                        .int("n")
                }

                async fn record_accesses(&self, accesses: &[SubjectAccess]) -> Result<()> {
                    if let Some(written) = self.record_accesses_in_bulk(accesses).await {
                        return written;
                    }
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        self.write_accesses(&mut writer.tx, accesses).await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn put_prefill(&self, prefill: &Prefill, accesses: &[SubjectAccess]) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::PREFILL_INSERT))
                            .bind(&prefill.id)
                            .bind(&prefill.account_id)
                            .bind(&prefill.one_thing)
                            .bind(&prefill.doc)
                            .bind(millis(prefill.created_at))
                            .execute(&mut *writer.tx)
                            .await?;
                        self.write_accesses(&mut writer.tx, accesses).await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn prefill(&self, id: &str) -> Result<Option<Prefill>> {
                    let Some(row) = sqlx::query(&self.sql(sql::PREFILL_GET))
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                    else {
                        return Ok(None);
                    };
                    Ok(Some(Prefill {
                        id: row.text("id")?,
                        account_id: row.text("account_id")?,
                        one_thing: row.text("one_thing")?,
                        doc: row.text("doc")?,
                        created_at: common::time_from_millis(row.int("created_at")?, "prefill time")?,
                    }))
                }

                async fn issuer_keys(&self) -> Result<Vec<StoredKey>> {
                    sqlx::query(&self.sql(sql::KEYS_ALL))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(shared::key_from_row)
                        .collect()
                }

                async fn add_issuer_key(&self, key: &StoredKey) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::KEYS_RETIRE_ACTIVE))
                            .bind(&key.department)
                            .bind(common::date_text(key.valid_from))
                            .execute(&mut *writer.tx)
                            .await?;
                        sqlx::query(&self.sql(sql::KEY_INSERT))
                            .bind(&key.key_id)
                            .bind(&key.department)
                            .bind(&key.algorithm)
                            .bind(key.public_key.as_slice())
                            .bind(key.secret.as_slice())
                            .bind(common::date_text(key.valid_from))
                            .bind(common::optional_date_text(key.retired_at))
                            .bind(millis(key.created_at))
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn insert_certificates(&self, certificates: &[NewCertificate]) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        self.write_certificates(&mut writer.tx, certificates).await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn certificate(&self, id: &str) -> Result<Option<StoredCertificate>> {
                    let statement = self.sql_owned(sql::certificate_select("id = $1"));
                    sqlx::query(&statement)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(shared::certificate_from_row)
                        .transpose()
                }

                async fn certificate_by_number(
                    &self,
                    type_code: &str,
                    number: &str,
                ) -> Result<Option<StoredCertificate>> {
                    let statement = self.sql_owned(sql::certificate_select(
                        "type_code = $1 AND number = $2 ORDER BY issued_at DESC LIMIT 1",
                    ));
                    sqlx::query(&statement)
                        .bind(type_code)
                        .bind(number)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(shared::certificate_from_row)
                        .transpose()
                }

                async fn certificates_of_holder(&self, id_number: &str) -> Result<Vec<StoredCertificate>> {
                    let statement = self.sql_owned(sql::certificate_select(
                        "holder_id_number = $1 ORDER BY issued_at DESC, id DESC",
                    ));
                    sqlx::query(&statement)
                        .bind(id_number)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(shared::certificate_from_row)
                        .collect()
                }

                async fn certificates_of_case(&self, case_id: &str) -> Result<Vec<StoredCertificate>> {
                    let statement = self.sql_owned(sql::certificate_select("case_id = $1 ORDER BY issued_at, id"));
                    sqlx::query(&statement)
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(shared::certificate_from_row)
                        .collect()
                }

                async fn revoke_certificate(
                    &self,
                    id: &str,
                    revoked_on: NaiveDate,
                    reason: &str,
                    record: &SubjectAccess,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(sql::CERTIFICATE_REVOKE))
                            .bind(id)
                            .bind(common::date_text(revoked_on))
                            .bind(reason)
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record))
                            .await?;
                        // The revoked row, committed to the ledger in the same transaction.
                        let row = sqlx::query(&self.sql(sql::CERTIFICATE_STATE))
                            .bind(id)
                            .fetch_one(&mut *writer.tx)
                            .await?;
                        let revoked = ledger::LedgerEntry {
                            format: ledger::ENTRY_FORMAT_V1,
                            at_ms: millis(record.entry.at),
                            kind: "certificate.revoked".to_owned(),
                            actor: record.entry.actor.clone(),
                            department: record.entry.department.clone(),
                            case_id: record.entry.case_id.clone(),
                            subject: record.subject.clone(),
                            elements: Vec::new(),
                            purpose: Some("注销电子证照".to_owned()),
                            legal_basis: None,
                            detail: format!(
                                "{id} revoked{}",
                                crate::state::suffix(
                                    &crate::state::certificate_key(id),
                                    &crate::state::certificate_digest(
                                        &row.text("file")?,
                                        row.optional_text("revoked_on")?.as_deref(),
                                        row.optional_text("revoke_reason")?.as_deref(),
                                    ),
                                )
                            ),
                        };
                        self.append_ledger(&mut writer.tx, std::slice::from_ref(&revoked))
                            .await?;
                        let about = sqlx::query(&self.sql(crate::outbox::CERTIFICATE_ABOUT))
                            .bind(id)
                            .fetch_one(&mut *writer.tx)
                            .await?;
                        let event = webhooks::events::certificate(
                            webhooks::EventType::CertificateRevoked,
                            id,
                            &about.text("type_code")?,
                            &about.text("issuer_code")?,
                            about.optional_text("case_id")?.as_deref(),
                            about.optional_text("item")?.as_deref(),
                            revoked_on,
                            record.entry.at,
                        );
                        self.write_outbox(&mut writer.tx, std::slice::from_ref(&event))
                            .await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn put_certificate_share(
                    &self,
                    token_hash: &str,
                    certificate_id: &str,
                    expires_at: DateTime<Utc>,
                    created_at: DateTime<Utc>,
                    created_by: &str,
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::SHARE_INSERT))
                            .bind(token_hash)
                            .bind(certificate_id)
                            .bind(millis(expires_at))
                            .bind(millis(created_at))
                            .bind(created_by)
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn certificate_share(&self, token_hash: &str) -> Result<Option<(String, DateTime<Utc>)>> {
                    let Some(row) = sqlx::query(&self.sql(sql::SHARE_GET))
                        .bind(token_hash)
                        .fetch_optional(self.pool())
                        .await?
                    else {
                        return Ok(None);
                    };
                    Ok(Some((
                        row.text("certificate_id")?,
                        common::time_from_millis(row.int("expires_at")?, "share expiry")?,
                    )))
                }
            }
        };
    };
}

pub(crate) use impl_sharing_store;
