//! The submission desk: one thread that commits submissions, in groups.
//!
//! Each submission is answered only once its transaction has committed,
//! with `synchronous = FULL` on SQLite: an acknowledged change is on disk.
//! A commit costs a disk flush, so the desk takes every submission waiting
//! when it starts a write and commits them together (group commit): under
//! load, sixteen clients share one flush instead of queueing for sixteen.
//! Within the group each submission is its own act, with its own change-log
//! entries, submission row and audit entry; a refused event writes nothing.
//!
//! The idempotency key is checked inside the write, under the register's
//! lock, so two clients sending one key at once get one change between them.

use crossbeam_channel::{Receiver, Sender};
use diesel::prelude::*;

use super::apply::{self, Context, Outcome};
use super::event::{Event, Refusal, Submitted};
use super::Actor;
use crate::background::Background;
use crate::domain::attribute::Values;
use crate::domain::source::{Origin, OriginKind};
use crate::reconcile::matcher::Thresholds;
use crate::store::register::{self, Writer};
use crate::store::schema::submissions;
use crate::store::{AnyConnection, Database, StoreError, StoreResult};

/// Submissions committed together at most.
const GROUP: usize = 64;

/// One submission: who sends it, under which key, and its events as read.
pub struct Submission {
    /// Who.
    pub actor: Actor,
    /// Whose keys: `agency:tax`, or `token:N` for staff.
    pub scope: String,
    /// The `Idempotency-Key`.
    pub key: String,
    /// SHA-256 of the body.
    pub body_hash: String,
    /// The request as received, for the audit trail's hash.
    pub request: Vec<u8>,
    /// Each event, or why it could not be read.
    pub events: Vec<Result<Submitted, Vec<Refusal>>>,
    /// Turns the outcomes into the answer (status and JSON body) that is
    /// stored with the key and sent again to a retry.
    pub render: fn(i64, &[Outcome]) -> (u16, String),
}

/// The answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Its answer (status, JSON body); `replayed` when a retry got the stored one.
    Done {
        /// The HTTP status.
        status: u16,
        /// The JSON body.
        body: String,
        /// Whether this is the stored answer to an earlier request with the key.
        replayed: bool,
    },
    /// The key was used before for a different request.
    KeyReused,
}

struct Job {
    submission: Submission,
    reply: oneshot::Sender<StoreResult<Answer>>,
}

/// Where handlers hand submissions to the desk.
#[derive(Clone)]
pub struct Desk {
    sender: Sender<Job>,
}

/// Finds units whose names resemble a new unit's (the search index's
/// candidates), with the change the index is current up to.
pub type Similar = Box<dyn Fn(&Values) -> (Vec<i64>, i64) + Send>;

/// What the desk's thread needs.
pub struct Staff {
    /// The register.
    pub db: Database,
    /// The matcher's thresholds.
    pub thresholds: Thresholds,
    /// Units whose names resemble a new unit's.
    pub similar: Similar,
}

impl Desk {
    /// Starts the desk's thread.
    pub fn start(staff: Staff, background: &Background) -> std::io::Result<Desk> {
        let (sender, receiver) = crossbeam_channel::bounded::<Job>(1_024);
        background.spawn("submission-desk", move || work(&staff, &receiver))?;
        Ok(Desk { sender })
    }

    /// Hands a submission to the desk and waits for its committed answer.
    pub async fn submit(&self, submission: Submission) -> StoreResult<Answer> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { submission, reply })
            .map_err(|_| StoreError::Worker)?;
        answer.await.map_err(|_| StoreError::Worker)?
    }
}

fn work(staff: &Staff, receiver: &Receiver<Job>) {
    while let Ok(first) = receiver.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match receiver.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(staff, group);
    }
}

/// Commits a group in one write; if that fails, each submission alone, so
/// that one that cannot be written does not take the others down with it.
fn commit_group(staff: &Staff, group: Vec<Job>) {
    let together = {
        let submissions: Vec<&Submission> = group.iter().map(|job| &job.submission).collect();
        with_connection(staff, |conn| commit(staff, conn, &submissions))
    };
    match together {
        Ok(answers) => {
            for (job, answer) in group.into_iter().zip(answers) {
                // The client may have gone; its change stands all the same.
                let _ = job.reply.send(Ok(answer));
            }
        }
        Err(error) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                let _ = job.reply.send(Err(error));
            }
        }
        Err(error) => {
            tracing::warn!(%error, submissions = group.len(), "group commit failed: committing one by one");
            for job in group {
                let alone = with_connection(staff, |conn| commit(staff, conn, &[&job.submission]));
                let _ = job.reply.send(alone.map(|mut answers| answers.remove(0)));
            }
        }
    }
}

fn with_connection<T>(
    staff: &Staff,
    work: impl FnOnce(&mut AnyConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    let mut conn = staff.db.writer()?;
    work(&mut conn)
}

/// One register write for the group; answers in order.
fn commit(
    staff: &Staff,
    conn: &mut AnyConnection,
    group: &[&Submission],
) -> StoreResult<Vec<Answer>> {
    let origin = Origin::new(OriginKind::Submission, "submission");
    register::write(conn, origin, |writer| {
        let mut answers = Vec::with_capacity(group.len());
        for submission in group {
            answers.push(one(staff, writer, submission)?);
        }
        Ok(answers)
    })
}

/// One submission inside the group's write.
fn one(staff: &Staff, writer: &mut Writer, submission: &Submission) -> StoreResult<Answer> {
    if let Some(stored) = stored(writer.connection(), submission)? {
        return Ok(stored);
    }
    let id = next_id(writer.connection())?;
    // A review item a birth opens refers to the submission's row, so then
    // the row comes first; otherwise it is written once, with its answer.
    let births = submission.events.iter().any(|event| {
        matches!(
            event,
            Ok(Submitted {
                event: Event::Register { .. },
                ..
            })
        )
    });
    if births {
        insert_row(writer, submission, id, 0, "")?;
    }
    let reference = format!("submission:{id}");
    let before = writer.last_seq();
    let mut outcomes = Vec::with_capacity(submission.events.len());
    for (index, event) in submission.events.iter().enumerate() {
        let outcome = match event {
            Err(refusals) => Outcome::Rejected(refusals.clone()),
            Ok(submitted) => {
                writer.set_origin(Origin::new(OriginKind::Submission, reference.clone()));
                let context = Context {
                    actor: &submission.actor,
                    thresholds: &staff.thresholds,
                    similar: &*staff.similar,
                    submission: id,
                    number: index + 1,
                    source: submitted.source,
                };
                let outcome = apply::apply(writer, &context, submitted)?;
                writer.end_act()?;
                outcome
            }
        };
        outcomes.push(outcome);
    }
    let (status, body) = (submission.render)(id, &outcomes);
    if births {
        diesel::update(submissions::table.find(id))
            .set((
                submissions::http_status.eq(i32::from(status)),
                submissions::response.eq(&body),
            ))
            .execute(writer.connection())?;
    } else {
        insert_row(writer, submission, id, status, &body)?;
    }
    let mut draft = submission.actor.audit(
        "submission",
        reference,
        &submission.request,
        summary(&outcomes),
    );
    draft.seqs = (writer.last_seq() > before).then(|| (before + 1, writer.last_seq()));
    writer.audit(draft);
    Ok(Answer::Done {
        status,
        body,
        replayed: false,
    })
}

/// Stores a submission with its key, body hash and answer.
fn insert_row(
    writer: &mut Writer,
    submission: &Submission,
    id: i64,
    status: u16,
    body: &str,
) -> StoreResult<()> {
    let now = writer.now();
    diesel::insert_into(submissions::table)
        .values((
            submissions::id.eq(id),
            submissions::scope.eq(&submission.scope),
            submissions::idempotency_key.eq(&submission.key),
            submissions::body_hash.eq(&submission.body_hash),
            submissions::http_status.eq(i32::from(status)),
            submissions::response.eq(body),
            submissions::created_at.eq(now),
        ))
        .execute(writer.connection())?;
    Ok(())
}

/// The stored answer to an earlier submission with the same key, if any.
fn stored(conn: &mut AnyConnection, submission: &Submission) -> StoreResult<Option<Answer>> {
    let found: Option<(String, i32, String)> = submissions::table
        .filter(submissions::scope.eq(&submission.scope))
        .filter(submissions::idempotency_key.eq(&submission.key))
        .select((
            submissions::body_hash,
            submissions::http_status,
            submissions::response,
        ))
        .first(conn)
        .optional()?;
    Ok(found.map(|(body_hash, status, body)| {
        if body_hash != submission.body_hash {
            return Answer::KeyReused;
        }
        Answer::Done {
            status: u16::try_from(status).unwrap_or(500),
            body,
            replayed: true,
        }
    }))
}

fn next_id(conn: &mut AnyConnection) -> StoreResult<i64> {
    let last: Option<i64> = submissions::table
        .select(diesel::dsl::max(submissions::id))
        .first(conn)?;
    Ok(last.unwrap_or_default() + 1)
}

/// The outcomes in a few words, for the audit trail.
fn summary(outcomes: &[Outcome]) -> String {
    let mut counts = [0_usize; 3];
    for outcome in outcomes {
        let slot = match outcome {
            Outcome::Accepted(_) => 0,
            Outcome::Review(_) => 1,
            Outcome::Rejected(_) => 2,
        };
        counts[slot] += 1;
    }
    format!(
        "accepted {}, review {}, rejected {}",
        counts[0], counts[1], counts[2]
    )
}
