//! Storage of identities beyond passwords: department systems' OAuth 2.0 clients,
//! their secrets and access tokens; OpenID Connect logins in flight and the admins'
//! mapping of ID numbers to accounts. The [`IdentityStore`] half of the store,
//! implemented for both backends by [`impl_identity_store!`]. Only hashes of secrets
//! and tokens are stored; deciding what a secret or token allows is `app`'s.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::common::{ReadRow, time_from_millis};
use crate::{Result, StoreError, SubjectAccess};
use domain::{Scope, ServiceClient, ServiceSecret, ServiceToken};

/// An OpenID Connect login in flight: what the provider's answer is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcRequest {
    pub nonce: String,
    /// The PKCE code verifier (RFC 7636).
    pub verifier: String,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Stores a new client with its first secret and the entry that records who
    /// created it (and so its ledger entry), in one transaction.
    async fn put_service_client(&self, client: &ServiceClient, record: Option<&SubjectAccess>) -> Result<()>;
    /// A client with all its secrets, oldest first.
    async fn service_client(&self, client_id: &str) -> Result<Option<ServiceClient>>;
    /// Every client with its secrets, by department and name.
    async fn service_clients(&self) -> Result<Vec<ServiceClient>>;
    /// Adds `secret` to a client that is not revoked, and ends every other secret of
    /// it that has no end yet (or a later one) at `old_until`: the grace period of a
    /// rotation. `false` (nothing written) when the client is unknown or revoked.
    /// `record` is written in the same transaction, as with every write below.
    async fn rotate_service_secret(
        &self,
        client_id: &str,
        secret: &ServiceSecret,
        old_until: DateTime<Utc>,
        record: Option<&SubjectAccess>,
    ) -> Result<bool>;
    /// Revokes one secret of a client; `false` (nothing written) when there is no
    /// such live secret.
    async fn revoke_service_secret(
        &self,
        client_id: &str,
        secret_id: &str,
        at: DateTime<Utc>,
        record: Option<&SubjectAccess>,
    ) -> Result<bool>;
    /// Revokes a client (and so its secrets and tokens); `false` (nothing written)
    /// when unknown or revoked already.
    async fn revoke_service_client(
        &self,
        client_id: &str,
        at: DateTime<Utc>,
        record: Option<&SubjectAccess>,
    ) -> Result<bool>;
    /// Stores an access token by the SHA-256 of its value, and forgets tokens that
    /// expired before `prune_before`.
    async fn create_service_token(
        &self,
        token_hash: &str,
        token: &ServiceToken,
        prune_before: DateTime<Utc>,
        record: Option<&SubjectAccess>,
    ) -> Result<()>;
    /// The stored token of a hash, expired or not (the caller decides).
    async fn service_token(&self, token_hash: &str) -> Result<Option<ServiceToken>>;

    /// Keeps an OpenID Connect login in flight under the hash of its `state`.
    async fn put_oidc_request(&self, state_hash: &str, request: &OidcRequest) -> Result<()>;
    /// Takes (deletes) the login in flight of a `state` hash: each `state` is
    /// answered at most once, on any node.
    async fn take_oidc_request(&self, state_hash: &str) -> Result<Option<OidcRequest>>;
    /// Links a verified ID number to an account (an admin's mapping), replacing any.
    async fn put_identity_link(&self, id_number: &str, account_id: &str, at: DateTime<Utc>, by: &str) -> Result<()>;
    /// The account an admin linked an ID number to.
    async fn identity_link(&self, id_number: &str) -> Result<Option<String>>;
}

pub(crate) const CLIENT_COLUMNS: &str = "client_id, name, department, scopes, created_at, created_by, revoked_at";
pub(crate) const SECRET_COLUMNS: &str = "id, client_id, hash, created_at, expires_at, revoked_at";

fn optional_time(row: &impl ReadRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    row.optional_int(column)?
        .map(|ms| time_from_millis(ms, column))
        .transpose()
}

pub(crate) fn scopes_from_text(text: &str) -> Result<Vec<Scope>> {
    Scope::split(text).map_err(|unknown| StoreError::Corrupt(format!("unknown scope {unknown}")))
}

pub(crate) fn client_from_row(row: &impl ReadRow) -> Result<ServiceClient> {
    Ok(ServiceClient {
        client_id: row.text("client_id")?,
        name: row.text("name")?,
        department: row.text("department")?,
        scopes: scopes_from_text(&row.text("scopes")?)?,
        created_at: time_from_millis(row.int("created_at")?, "client creation time")?,
        created_by: row.text("created_by")?,
        revoked_at: optional_time(row, "revoked_at")?,
        secrets: Vec::new(),
    })
}

/// A secret and the client it belongs to.
pub(crate) fn secret_from_row(row: &impl ReadRow) -> Result<(String, ServiceSecret)> {
    Ok((
        row.text("client_id")?,
        ServiceSecret {
            id: row.text("id")?,
            hash: row.text("hash")?,
            created_at: time_from_millis(row.int("created_at")?, "secret creation time")?,
            expires_at: optional_time(row, "expires_at")?,
            revoked_at: optional_time(row, "revoked_at")?,
        },
    ))
}

pub(crate) fn token_from_row(row: &impl ReadRow) -> Result<ServiceToken> {
    Ok(ServiceToken {
        client_id: row.text("client_id")?,
        secret_id: row.text("secret_id")?,
        scopes: scopes_from_text(&row.text("scopes")?)?,
        expires_at: time_from_millis(row.int("expires_at")?, "token expiry")?,
    })
}

pub(crate) fn oidc_request_from_row(row: &impl ReadRow) -> Result<OidcRequest> {
    Ok(OidcRequest {
        nonce: row.text("nonce")?,
        verifier: row.text("verifier")?,
        expires_at: time_from_millis(row.int("expires_at")?, "login expiry")?,
    })
}

/// Implements [`IdentityStore`] for a store type (see `impl_sharing_store!`).
macro_rules! impl_identity_store {
    ($store:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use domain::{Scope, ServiceClient, ServiceSecret, ServiceToken};

            use $crate::common::{ReadRow as _, millis};
            use $crate::{Result, SubjectAccess};
            use $crate::identity::{self as identity, CLIENT_COLUMNS, OidcRequest, SECRET_COLUMNS};

            impl $store {
                /// Adds the secrets to their clients (secrets ordered oldest first).
                async fn with_secrets(&self, mut clients: Vec<ServiceClient>) -> Result<Vec<ServiceClient>> {
                    let statement =
                        self.sql_owned(format!("SELECT {SECRET_COLUMNS} FROM service_secrets ORDER BY created_at, id"));
                    let rows = sqlx::query(&statement).fetch_all(self.pool()).await?;
                    for row in &rows {
                        let (client_id, secret) = identity::secret_from_row(row)?;
                        if let Some(client) = clients.iter_mut().find(|c| c.client_id == client_id) {
                            client.secrets.push(secret);
                        }
                    }
                    Ok(clients)
                }
            }

            #[async_trait::async_trait]
            impl $crate::IdentityStore for $store {
                async fn put_service_client(
                    &self,
                    client: &ServiceClient,
                    record: Option<&SubjectAccess>,
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let statement = self.sql_owned(format!(
                            "INSERT INTO service_clients ({CLIENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                        ));
                        sqlx::query(&statement)
                            .bind(&client.client_id)
                            .bind(&client.name)
                            .bind(&client.department)
                            .bind(Scope::join(&client.scopes))
                            .bind(millis(client.created_at))
                            .bind(&client.created_by)
                            .bind(client.revoked_at.map(millis))
                            .execute(&mut *writer.tx)
                            .await?;
                        let statement = self.sql_owned(format!(
                            "INSERT INTO service_secrets ({SECRET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                        ));
                        for secret in &client.secrets {
                            sqlx::query(&statement)
                                .bind(&secret.id)
                                .bind(&client.client_id)
                                .bind(&secret.hash)
                                .bind(millis(secret.created_at))
                                .bind(secret.expires_at.map(millis))
                                .bind(secret.revoked_at.map(millis))
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        if let Some(record) = record {
                            self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        }
                        writer.commit().await
                    })
                    .await
                }

                async fn service_client(&self, client_id: &str) -> Result<Option<ServiceClient>> {
                    let statement =
                        self.sql_owned(format!("SELECT {CLIENT_COLUMNS} FROM service_clients WHERE client_id = $1"));
                    let Some(row) = sqlx::query(&statement)
                        .bind(client_id)
                        .fetch_optional(self.pool())
                        .await?
                    else {
                        return Ok(None);
                    };
                    let mut client = identity::client_from_row(&row)?;
                    let statement = self.sql_owned(format!(
                        "SELECT {SECRET_COLUMNS} FROM service_secrets WHERE client_id = $1 ORDER BY created_at, id"
                    ));
                    for row in &sqlx::query(&statement).bind(client_id).fetch_all(self.pool()).await? {
                        client.secrets.push(identity::secret_from_row(row)?.1);
                    }
                    Ok(Some(client))
                }

                async fn service_clients(&self) -> Result<Vec<ServiceClient>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {CLIENT_COLUMNS} FROM service_clients ORDER BY department, name, client_id"
                    ));
                    let clients = sqlx::query(&statement)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(identity::client_from_row)
                        .collect::<Result<Vec<_>>>()?;
                    self.with_secrets(clients).await
                }

                async fn rotate_service_secret(
                    &self,
                    client_id: &str,
                    secret: &ServiceSecret,
                    old_until: DateTime<Utc>,
                    record: Option<&SubjectAccess>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let live = sqlx::query(&self.sql(
                            "SELECT client_id FROM service_clients WHERE client_id = $1 AND revoked_at IS NULL",
                        ))
                        .bind(client_id)
                        .fetch_optional(&mut *writer.tx)
                        .await?;
                        if live.is_none() {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        sqlx::query(&self.sql(
                            "UPDATE service_secrets SET expires_at = $2 WHERE client_id = $1 \
                             AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
                        ))
                        .bind(client_id)
                        .bind(millis(old_until))
                        .execute(&mut *writer.tx)
                        .await?;
                        let statement = self.sql_owned(format!(
                            "INSERT INTO service_secrets ({SECRET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                        ));
                        sqlx::query(&statement)
                            .bind(&secret.id)
                            .bind(client_id)
                            .bind(&secret.hash)
                            .bind(millis(secret.created_at))
                            .bind(secret.expires_at.map(millis))
                            .bind(secret.revoked_at.map(millis))
                            .execute(&mut *writer.tx)
                            .await?;
                        if let Some(record) = record {
                            self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        }
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn revoke_service_secret(
                    &self,
                    client_id: &str,
                    secret_id: &str,
                    at: DateTime<Utc>,
                    record: Option<&SubjectAccess>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(
                            "UPDATE service_secrets SET revoked_at = $3 \
                             WHERE client_id = $1 AND id = $2 AND revoked_at IS NULL",
                        ))
                        .bind(client_id)
                        .bind(secret_id)
                        .bind(millis(at))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        if let Some(record) = record {
                            self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        }
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn revoke_service_client(
                    &self,
                    client_id: &str,
                    at: DateTime<Utc>,
                    record: Option<&SubjectAccess>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(
                            "UPDATE service_clients SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL",
                        ))
                        .bind(client_id)
                        .bind(millis(at))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        if let Some(record) = record {
                            self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        }
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn create_service_token(
                    &self,
                    token_hash: &str,
                    token: &ServiceToken,
                    prune_before: DateTime<Utc>,
                    record: Option<&SubjectAccess>,
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql("DELETE FROM service_tokens WHERE expires_at < $1"))
                            .bind(millis(prune_before))
                            .execute(&mut *writer.tx)
                            .await?;
                        sqlx::query(&self.sql(
                            "INSERT INTO service_tokens (token_hash, client_id, secret_id, scopes, expires_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        ))
                        .bind(token_hash)
                        .bind(&token.client_id)
                        .bind(&token.secret_id)
                        .bind(Scope::join(&token.scopes))
                        .bind(millis(token.expires_at))
                        .execute(&mut *writer.tx)
                        .await?;
                        if let Some(record) = record {
                            self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        }
                        writer.commit().await
                    })
                    .await
                }

                async fn service_token(&self, token_hash: &str) -> Result<Option<ServiceToken>> {
                    sqlx::query(&self.sql(
                        "SELECT client_id, secret_id, scopes, expires_at FROM service_tokens WHERE token_hash = $1",
                    ))
                    .bind(token_hash)
                    .fetch_optional(self.pool())
                    .await?
                    .as_ref()
                    .map(identity::token_from_row)
                    .transpose()
                }

                async fn put_oidc_request(&self, state_hash: &str, request: &OidcRequest) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        // Logins never finished are forgotten as new ones start.
                        sqlx::query(&self.sql("DELETE FROM oidc_requests WHERE expires_at < $1"))
                            .bind(millis(request.expires_at - chrono::Duration::hours(1)))
                            .execute(&mut *writer.tx)
                            .await?;
                        sqlx::query(&self.sql(
                            "INSERT INTO oidc_requests (state_hash, nonce, verifier, expires_at) VALUES ($1, $2, $3, $4)",
                        ))
                        .bind(state_hash)
                        .bind(&request.nonce)
                        .bind(&request.verifier)
                        .bind(millis(request.expires_at))
                        .execute(&mut *writer.tx)
                        .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn take_oidc_request(&self, state_hash: &str) -> Result<Option<OidcRequest>> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let row = sqlx::query(&self.sql(
                            "DELETE FROM oidc_requests WHERE state_hash = $1 RETURNING nonce, verifier, expires_at",
                        ))
                        .bind(state_hash)
                        .fetch_optional(&mut *writer.tx)
                        .await?;
                        let request = row.as_ref().map(identity::oidc_request_from_row).transpose()?;
                        writer.commit().await?;
                        Ok(request)
                    })
                    .await
                }

                async fn put_identity_link(
                    &self,
                    id_number: &str,
                    account_id: &str,
                    at: DateTime<Utc>,
                    by: &str,
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(
                            "INSERT INTO identity_links (id_number, account_id, linked_at, linked_by) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (id_number) DO UPDATE SET \
                             account_id = excluded.account_id, linked_at = excluded.linked_at, \
                             linked_by = excluded.linked_by",
                        ))
                        .bind(id_number)
                        .bind(account_id)
                        .bind(millis(at))
                        .bind(by)
                        .execute(&mut *writer.tx)
                        .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn identity_link(&self, id_number: &str) -> Result<Option<String>> {
                    let row = sqlx::query(&self.sql("SELECT account_id FROM identity_links WHERE id_number = $1"))
                        .bind(id_number)
                        .fetch_optional(self.pool())
                        .await?;
                    row.map(|row| row.text("account_id")).transpose()
                }
            }
        };
    };
}

pub(crate) use impl_identity_store;
