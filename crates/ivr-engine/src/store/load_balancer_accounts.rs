//! Agents' SIP credentials where the cluster's load balancer reads them: Kamailio's
//! `subscriber` table (auth_db, `calculate_ha1=0`: the HA1 digest, never a password), in the
//! shared database.

use super::{Store, StoreError};

/// What a sync changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountsSynced {
    /// Accounts written (new, or with a changed HA1).
    pub written: usize,
    /// Accounts of the realm no longer configured, removed.
    pub removed: usize,
}

impl Store {
    /// Makes the load balancer's accounts in `realm` exactly `accounts` (name, HA1).
    pub fn sync_load_balancer_accounts(
        &self,
        realm: &str,
        accounts: &[(String, String)],
    ) -> Result<AccountsSynced, StoreError> {
        self.postgres_only()?;
        self.run(
            |_| Err(rusqlite::Error::InvalidQuery),
            |c| {
                let mut tx = c.transaction()?;
                let has_table: bool = tx
                    .query_one("SELECT to_regclass('subscriber') IS NOT NULL", &[])?
                    .try_get(0)?;
                if !has_table {
                    // Reported below with the fix; a query error carries no text of ours.
                    tx.rollback()?;
                    return Ok(None);
                }
                let mut written = 0;
                for (name, ha1) in accounts {
                    written += tx.execute(
                        "INSERT INTO subscriber (username, domain, ha1) VALUES ($1, $2, $3)
                         ON CONFLICT (username, domain) DO UPDATE SET ha1 = EXCLUDED.ha1
                         WHERE subscriber.ha1 IS DISTINCT FROM EXCLUDED.ha1",
                        &[name, &realm, ha1],
                    )?;
                }
                let names: Vec<&String> = accounts.iter().map(|(name, _)| name).collect();
                let removed = tx.execute(
                    "DELETE FROM subscriber WHERE domain = $1 AND NOT (username = ANY($2))",
                    &[&realm, &names],
                )?;
                tx.commit()?;
                Ok(Some(AccountsSynced {
                    written: usize::try_from(written).unwrap_or(usize::MAX),
                    removed: usize::try_from(removed).unwrap_or(usize::MAX),
                }))
            },
        )?
        .ok_or_else(|| {
            self.fail(
                "no `subscriber` table: load Kamailio's schema into this database first \
                 (/usr/share/kamailio/postgres/{standard,auth_db,usrloc}-create.sql, as \
                 scripts/cluster.sh does)"
                    .to_string(),
            )
        })
    }
}
