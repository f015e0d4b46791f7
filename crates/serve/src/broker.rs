//! Broker ingest: events consumed from a NATS JetStream stream, beside `POST /v1/events`.
//!
//! Delivery is at least once and counting is exactly once. The position in the stream is
//! the store's, not the broker's: each pulled batch is stored in one commit together with the
//! stream sequence of its last message, and only then acknowledged. Whenever the service
//! (re)connects it recreates its durable consumer to deliver from the message after the
//! stored position, in stream order. So a crash between a commit and its acknowledgement
//! neither loses the batch (it was stored) nor counts it twice (delivery resumes after it),
//! whatever the broker remembers of unacknowledged messages — and this holds for events
//! without a `request_id` too. Within one connection, messages come in order; one delivered
//! again at or below the position (an acknowledgement that came too late) is skipped.
//!
//! A message holds one event or several (NDJSON or a JSON array, as `POST /v1/events`); its
//! bad records are quarantined with the stream and sequence of the message as their source.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use serde::Deserialize;
use tracing::{info, warn};

use crate::App;
use crate::ingest::Received;

/// How long one pull waits for messages before asking again.
const PULL_WAIT: Duration = Duration::from_secs(1);
/// The longest pause between two attempts after the broker failed.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The `[broker]` section of the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    /// The NATS server, as `nats://host:port`.
    pub url: String,
    /// The JetStream stream; created (file storage, on `subject`) if it does not exist.
    pub stream: String,
    /// The subject the events are published on.
    pub subject: String,
    /// The durable consumer's name: the service's position in the stream is kept under it,
    /// by the broker and in the store.
    #[serde(default = "default_consumer")]
    pub consumer: String,
    /// Messages pulled, stored and acknowledged at once.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

/// The most messages one pull may ask for.
const MAX_BATCH: usize = 10_000;

impl BrokerConfig {
    /// Refuses what the broker would refuse later, or worse, accept wrongly.
    pub fn validate(&self) -> Result<(), String> {
        for (key, name) in [("stream", &self.stream), ("consumer", &self.consumer)] {
            if name.is_empty() || name.contains(['.', '*', '>', ' ', '/', '\\']) {
                return Err(format!(
                    "broker `{key}` must be a non-empty name without `.`, `*`, `>`, `/`, `\\` or spaces, got {name:?}"
                ));
            }
        }
        if self.subject.trim().is_empty() || self.url.trim().is_empty() {
            return Err("broker `url` and `subject` must not be empty".into());
        }
        if !(1..=MAX_BATCH).contains(&self.batch) {
            return Err(format!(
                "broker `batch` must lie between 1 and {MAX_BATCH}, got {}",
                self.batch
            ));
        }
        Ok(())
    }
}

fn default_consumer() -> String {
    "hydrascope-serve".into()
}

fn default_batch() -> usize {
    500
}

type BrokerResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Consumes the stream until the process ends; on any broker or store failure it logs,
/// waits (doubling the pause up to [`MAX_BACKOFF`]) and starts again from the broker's
/// unacknowledged messages.
pub async fn consume_forever(app: Arc<App>, config: BrokerConfig) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match consume(&app, &config).await {
            Ok(()) => return,
            Err(error) => {
                app.shared.metrics.broker_failures.inc();
                warn!(%error, url = %config.url, stream = %config.stream, "broker ingest failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

async fn consume(app: &Arc<App>, config: &BrokerConfig) -> BrokerResult<()> {
    let client = async_nats::connect(&config.url).await?;
    let context = jetstream::new(client);
    let stream = context
        .get_or_create_stream(stream::Config {
            name: config.stream.clone(),
            subjects: vec![config.subject.clone()],
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await?;
    let position_key = format!("nats:{}:{}", config.stream, config.consumer);
    let key = position_key.clone();
    let stored = app
        .on_store(move |store| store.broker_position(&key))
        .await?
        .unwrap_or(0);
    let mut position = resume_after(stored, stream.cached_info().state.last_sequence);
    // The consumer is recreated to deliver from the message after the stored position.
    let _ = stream.delete_consumer(&config.consumer).await;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some(config.consumer.clone()),
            ack_policy: consumer::AckPolicy::All,
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: position + 1,
            },
            filter_subject: config.subject.clone(),
            ..Default::default()
        })
        .await?;
    info!(url = %config.url, stream = %config.stream, consumer = %config.consumer, after = position, "consuming events from the broker");
    loop {
        let mut messages = consumer
            .fetch()
            .max_messages(config.batch)
            .expires(PULL_WAIT)
            .messages()
            .await?;
        let mut pulled = Vec::with_capacity(config.batch);
        while let Some(message) = messages.next().await {
            pulled.push(message?);
        }
        let Some(last) = pulled.last() else {
            continue;
        };
        let last_sequence = last.info()?.stream_sequence;
        if last_sequence > position {
            let received = received_after(app, config, &pulled, position)?;
            app.ingest(received, Some((position_key.clone(), last_sequence)))
                .await?;
            position = last_sequence;
        }
        last.ack().await?;
    }
}

/// Where to resume: after the stored position, unless the stream now ends before it (it was
/// recreated, or the broker lost its newest messages). Then every message it still holds was
/// stored, and what comes after its end is new.
fn resume_after(stored: u64, stream_end: u64) -> u64 {
    if stream_end < stored {
        warn!(
            stored,
            stream_end, "the stream ends before the stored position; resuming after its end"
        );
    }
    stored.min(stream_end)
}

/// The records of the messages past the stored position: the others were stored before a
/// crash or a lost acknowledgement, and the broker delivered them again.
fn received_after(
    app: &App,
    config: &BrokerConfig,
    messages: &[jetstream::Message],
    stored: u64,
) -> BrokerResult<Received> {
    let mut received = Received::default();
    for message in messages {
        let sequence = message.info()?.stream_sequence;
        if sequence <= stored {
            app.shared.metrics.broker_redelivered.inc();
            continue;
        }
        let source = format!("nats:{}#{sequence}", config.stream);
        match std::str::from_utf8(&message.payload) {
            Ok(body) => received.add_body(body, &source, app.config.store_prompts),
            Err(_) => received.add_not_utf8(&message.payload, &source),
        }
    }
    Ok(received)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_resumes_after_the_stored_position_unless_the_stream_ends_before_it() {
        assert_eq!(resume_after(0, 0), 0);
        assert_eq!(resume_after(10, 20), 10);
        // The stream was recreated empty, or lost its newest messages.
        assert_eq!(resume_after(10, 0), 0);
        assert_eq!(resume_after(10, 4), 4);
    }
}
