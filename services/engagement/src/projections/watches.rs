//! The lapse rules' read model: each referral's [`Watch`], as a row of `engagement_watch`,
//! read and written inside the lapse evaluator's transaction.

use chrono::{DateTime, Utc};
use eventstore::{StoreError, Tx, on_conn};
use uuid::Uuid;

use crate::domain::lapse::{Rule, Watch};

/// A row as stored.
#[derive(sqlx::FromRow)]
struct Row {
    referral_id: String,
    subject: String,
    active: bool,
    since_micros: Option<i64>,
    last_attended_micros: Option<i64>,
    registered: bool,
    missed_sessions: String,
    lapsed_rule: Option<String>,
    steps: String,
}

/// The columns a [`Row`] reads, for `concat!` (the SQL stays a literal).
macro_rules! columns {
    () => {
        "referral_id, subject, active, since_micros, last_attended_micros, registered, \
         missed_sessions, lapsed_rule, steps"
    };
}

fn corrupt(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(what.into()))
}

fn time(micros: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    micros
        .map(|micros| {
            DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| corrupt(format!("{micros} is not a time")))
        })
        .transpose()
}

impl TryFrom<Row> for Watch {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let id = |text: &str| {
            Uuid::parse_str(text).map_err(|_| corrupt(format!("{text:?} is not a UUID")))
        };
        let missed = row
            .missed_sessions
            .split(',')
            .filter(|text| !text.is_empty())
            .map(id)
            .collect::<Result<_, _>>()?;
        let lapsed = match row.lapsed_rule.as_deref() {
            None => None,
            Some(code) => {
                Some(Rule::parse(code).ok_or_else(|| corrupt(format!("no rule {code:?}")))?)
            }
        };
        let steps = row
            .steps
            .split(',')
            .filter(|text| !text.is_empty())
            .map(|text| {
                text.split_once(':')
                    .and_then(|(day, steps)| Some((day.parse().ok()?, steps.parse().ok()?)))
                    .ok_or_else(|| corrupt(format!("{text:?} is not a day's steps")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Watch {
            referral_id: id(&row.referral_id)?,
            subject: row.subject,
            active: row.active,
            since: time(row.since_micros)?,
            last_attended: time(row.last_attended_micros)?,
            registered: row.registered,
            missed,
            lapsed,
            steps,
        })
    }
}

/// The watch of `referral_id`, if the log has told of it.
pub(crate) async fn load(tx: &mut Tx, referral_id: Uuid) -> Result<Option<Watch>, StoreError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM engagement_watch WHERE referral_id = $1"
    );
    let id = referral_id.to_string();
    let row: Option<Row> = on_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(&id)
        .fetch_optional(conn)
        .await)?;
    row.map(Watch::try_from).transpose()
}

/// The watches a clock tick may lapse: active, registered, no lapse open, and nothing
/// attended (or, never having attended, not active) since `before`; in referral order, so a
/// replay raises their lapses in the same order.
pub(crate) async fn due(tx: &mut Tx, before: DateTime<Utc>) -> Result<Vec<Watch>, StoreError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM engagement_watch WHERE active AND registered AND lapsed_rule IS NULL \
         AND COALESCE(last_attended_micros, since_micros) <= $1 ORDER BY referral_id"
    );
    let rows: Vec<Row> = on_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(before.timestamp_micros())
        .fetch_all(conn)
        .await)?;
    rows.into_iter().map(Watch::try_from).collect()
}

/// Writes `watch` as it now is.
pub(crate) async fn save(tx: &mut Tx, watch: &Watch) -> Result<(), StoreError> {
    let sql = "INSERT INTO engagement_watch (referral_id, subject, active, since_micros, \
               last_attended_micros, registered, missed_in_a_row, missed_sessions, lapsed_rule, \
               steps) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
               ON CONFLICT (referral_id) DO UPDATE SET subject = excluded.subject, \
               active = excluded.active, since_micros = excluded.since_micros, \
               last_attended_micros = excluded.last_attended_micros, \
               registered = excluded.registered, missed_in_a_row = excluded.missed_in_a_row, \
               missed_sessions = excluded.missed_sessions, lapsed_rule = excluded.lapsed_rule, \
               steps = excluded.steps";
    let missed: Vec<String> = watch.missed.iter().map(Uuid::to_string).collect();
    let (missed_in_a_row, missed) = (missed.len() as i64, missed.join(","));
    let steps: Vec<String> = watch
        .steps
        .iter()
        .map(|(day, steps)| format!("{day}:{steps}"))
        .collect();
    on_conn!(tx, |conn| sqlx::query(sql)
        .bind(watch.referral_id.to_string())
        .bind(&watch.subject)
        .bind(watch.active)
        .bind(watch.since.map(|at| at.timestamp_micros()))
        .bind(watch.last_attended.map(|at| at.timestamp_micros()))
        .bind(watch.registered)
        .bind(missed_in_a_row)
        .bind(&missed)
        .bind(watch.lapsed.map(Rule::code))
        .bind(steps.join(","))
        .execute(conn)
        .await
        .map(drop))?;
    Ok(())
}
