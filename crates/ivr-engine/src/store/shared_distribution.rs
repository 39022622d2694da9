//! Call distribution shared by the engines of a cluster (PostgreSQL only). Each decision -
//! a caller joins, is offered an agent, leaves; an agent answers, hangs up - runs the same
//! sans-IO [`CallDistributor`] a single engine uses, on the state loaded from the database,
//! under one advisory lock, and writes back what changed before the lock is released. So
//! the line is one first-come order across engines, and an agent is offered to one caller
//! at a time however many engines ask at once.
//!
//! Engines beat a heartbeat; when one stops, any other frees the agents it held and drops
//! its callers from the line.

use super::{Backend, Store, StoreError};
use crate::acd::{AgentRow, AgentStatus, WaitingRow};
use crate::call_distributor::CallDistributor;
use std::collections::HashSet;

/// How many recent call lengths the estimates use (as the distributor keeps).
const HANDLE_TIMES_LOADED: i64 = 20;

/// One distribution decision's inputs besides the state.
pub struct Decision<'a> {
    pub wrap_up_ms: u64,
    /// Agents reached at a fixed address: reachable whether or not registered.
    pub fixed_address: &'a [String],
}

impl Store {
    pub(super) fn postgres_only(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Postgres(_) => Ok(()),
            Backend::Sqlite(_) => {
                Err(self.fail("call distribution is shared only through PostgreSQL".to_string()))
            }
        }
    }

    /// Adds the configured agents (or updates their languages); their state is kept.
    pub fn enlist_agents(&self, agents: &[(String, Vec<String>)]) -> Result<(), StoreError> {
        self.postgres_only()?;
        self.run(
            |_| Ok(()),
            |c| {
                let mut tx = c.transaction()?;
                for (name, languages) in agents {
                    tx.execute(
                        "INSERT INTO acd_agents (name, languages) VALUES ($1, $2)
                         ON CONFLICT (name) DO UPDATE SET languages = EXCLUDED.languages",
                        &[name, languages],
                    )?;
                }
                tx.commit()
            },
        )
    }

    /// Runs `decide` on the shared distribution state and saves what it changed, all under
    /// the cluster-wide lock. `decide` gets the distributor and whether an agent's phone can
    /// be rung (registered with the load balancer, or at a fixed address).
    pub fn with_shared_distribution<T>(
        &self,
        decision: &Decision<'_>,
        decide: impl FnOnce(&mut CallDistributor, &dyn Fn(&str) -> bool) -> T,
    ) -> Result<T, StoreError> {
        self.postgres_only()?;
        let node = self.node();
        self.run(
            |_| Err(rusqlite::Error::InvalidQuery),
            |c| {
                let mut tx = c.transaction()?;
                tx.execute("SELECT pg_advisory_xact_lock(hashtext('ivr:acd'))", &[])?;
                let agents = load_agents(&mut tx)?;
                let waiting = tx
                    .query(
                        "SELECT queue, call_id, joined_ms FROM acd_waiting ORDER BY seq",
                        &[],
                    )?
                    .iter()
                    .map(|r| {
                        Ok(WaitingRow {
                            queue: r.try_get(0)?,
                            call_id: r.try_get(1)?,
                            joined_ms: unsigned(r.try_get(2)?),
                        })
                    })
                    .collect::<Result<Vec<_>, postgres::Error>>()?;
                let mut handle_times: Vec<u64> = tx
                    .query(
                        "SELECT call_ms FROM acd_handle_times ORDER BY seq DESC LIMIT $1",
                        &[&HANDLE_TIMES_LOADED],
                    )?
                    .iter()
                    .map(|r| r.try_get::<_, i64>(0).map(unsigned))
                    .collect::<Result<_, _>>()?;
                handle_times.reverse();
                let registered = registered_agents(&mut tx)?;
                let reachable = |name: &str| {
                    registered.contains(name) || decision.fixed_address.iter().any(|n| n == name)
                };
                let mut distributor = CallDistributor::from_parts(
                    agents.clone(),
                    waiting.clone(),
                    &handle_times,
                    decision.wrap_up_ms,
                );
                let result = decide(&mut distributor, &reachable);
                let (agents_after, waiting_after, handle_after) = distributor.parts();
                save_agents(&mut tx, &agents, &agents_after, node)?;
                save_waiting(&mut tx, &waiting, &waiting_after, node)?;
                for call_ms in appended(&handle_times, &handle_after) {
                    tx.execute(
                        "INSERT INTO acd_handle_times (call_ms) VALUES ($1)",
                        &[&signed(*call_ms)],
                    )?;
                }
                tx.commit()?;
                Ok(result)
            },
        )
    }

    /// Records that this engine is alive, then frees what engines silent for longer than
    /// `stale_after_s` held: their agents become available and their callers leave the line
    /// (those calls died with the engine). Returns the engines reaped.
    pub fn heartbeat(&self, stale_after_s: u64) -> Result<Vec<String>, StoreError> {
        self.postgres_only()?;
        let node = self.node();
        let stale = f64::from(u32::try_from(stale_after_s).unwrap_or(u32::MAX));
        self.run(
            |_| Ok(Vec::new()),
            |c| {
                let mut tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO nodes (node_id, heartbeat_at) VALUES ($1, now())
                     ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now()",
                    &[&node],
                )?;
                tx.execute("SELECT pg_advisory_xact_lock(hashtext('ivr:acd'))", &[])?;
                let dead: Vec<String> = tx
                    .query(
                        "DELETE FROM nodes
                         WHERE heartbeat_at < now() - make_interval(secs => $1)
                         RETURNING node_id",
                        &[&stale],
                    )?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?;
                for gone in &dead {
                    free_node(&mut tx, gone)?;
                }
                tx.commit()?;
                Ok(dead)
            },
        )
    }

    /// At start: what this engine's previous run held is free (its calls are gone).
    pub fn free_own_distribution_state(&self) -> Result<(), StoreError> {
        self.postgres_only()?;
        let node = self.node();
        self.run(
            |_| Ok(()),
            |c| {
                let mut tx = c.transaction()?;
                tx.execute("SELECT pg_advisory_xact_lock(hashtext('ivr:acd'))", &[])?;
                free_node(&mut tx, node)?;
                tx.commit()
            },
        )
    }
}

fn free_node(tx: &mut postgres::Transaction<'_>, node: &str) -> Result<(), postgres::Error> {
    tx.execute(
        "UPDATE acd_agents SET status = 'available', held_by = NULL WHERE held_by = $1",
        &[&node],
    )?;
    tx.execute("DELETE FROM acd_waiting WHERE node_id = $1", &[&node])?;
    Ok(())
}

fn unsigned(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn load_agents(tx: &mut postgres::Transaction<'_>) -> Result<Vec<AgentRow>, postgres::Error> {
    tx.query(
        "SELECT name, languages, status, idle_since_ms, wrap_up_until_ms
         FROM acd_agents ORDER BY name",
        &[],
    )?
    .iter()
    .map(|r| {
        let status: String = r.try_get(2)?;
        Ok(AgentRow {
            name: r.try_get(0)?,
            languages: r.try_get(1)?,
            status: AgentStatus::parse(&status).unwrap_or(AgentStatus::Available),
            idle_since_ms: unsigned(r.try_get(3)?),
            wrap_up_until_ms: unsigned(r.try_get(4)?),
        })
    })
    .collect()
}

/// Agents whose phones are registered with the load balancer now (Kamailio's `location`
/// table, when it shares this database). Kamailio writes `expires` in its local time, without
/// a zone: run it and PostgreSQL in the same time zone (UTC, as in scripts/cluster.sh).
fn registered_agents(
    tx: &mut postgres::Transaction<'_>,
) -> Result<HashSet<String>, postgres::Error> {
    let has_location: bool = tx
        .query_one("SELECT to_regclass('location') IS NOT NULL", &[])?
        .try_get(0)?;
    if !has_location {
        return Ok(HashSet::new());
    }
    tx.query(
        "SELECT DISTINCT username FROM location WHERE expires > localtimestamp",
        &[],
    )?
    .iter()
    .map(|r| r.try_get(0))
    .collect()
}

fn save_agents(
    tx: &mut postgres::Transaction<'_>,
    before: &[AgentRow],
    after: &[AgentRow],
    node: &str,
) -> Result<(), postgres::Error> {
    for row in after {
        let old = before.iter().find(|b| b.name == row.name);
        if old == Some(row) {
            continue;
        }
        // The engine that rings or bridges an agent holds them: if it dies, they are freed.
        let holds = matches!(row.status, AgentStatus::Ringing | AgentStatus::Busy);
        let held_by = holds.then_some(node);
        tx.execute(
            "UPDATE acd_agents SET status = $2, idle_since_ms = $3, wrap_up_until_ms = $4,
                                   held_by = $5
             WHERE name = $1",
            &[
                &row.name,
                &row.status.as_str(),
                &signed(row.idle_since_ms),
                &signed(row.wrap_up_until_ms),
                &held_by,
            ],
        )?;
    }
    Ok(())
}

fn save_waiting(
    tx: &mut postgres::Transaction<'_>,
    before: &[WaitingRow],
    after: &[WaitingRow],
    node: &str,
) -> Result<(), postgres::Error> {
    for gone in before.iter().filter(|b| !after.contains(b)) {
        tx.execute(
            "DELETE FROM acd_waiting WHERE call_id = $1",
            &[&gone.call_id],
        )?;
    }
    for new in after.iter().filter(|a| !before.contains(a)) {
        tx.execute(
            "INSERT INTO acd_waiting (call_id, queue, node_id, joined_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (call_id) DO NOTHING",
            &[&new.call_id, &new.queue, &node, &signed(new.joined_ms)],
        )?;
    }
    Ok(())
}

/// The call lengths `after` added to `before` (the distributor appends, dropping the oldest
/// beyond what it keeps).
fn appended<'a>(before: &[u64], after: &'a [u64]) -> &'a [u64] {
    let overlap = (0..=before.len().min(after.len()))
        .rev()
        .find(|&n| before[before.len() - n..] == after[..n])
        .unwrap_or(0);
    &after[overlap..]
}

#[cfg(test)]
mod tests {
    use super::appended;

    #[test]
    fn appended_call_lengths_are_the_new_tail() {
        assert_eq!(appended(&[], &[5]), &[5]);
        assert_eq!(appended(&[1, 2], &[1, 2]), &[] as &[u64]);
        assert_eq!(appended(&[1, 2, 3], &[2, 3, 4]), &[4]);
    }
}
