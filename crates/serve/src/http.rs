//! The HTTP API (documented in `docs/openapi.json`).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hydrascope_events::time::{format_rfc3339, now_millis};
use hydrascope_events::{Action, event_from_json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::check::{CheckAnswer, check};
use crate::config::Role;
use crate::dashboard;
use crate::error::ServeError;
use crate::ingest::{IngestAnswer, Received, prepare};
use crate::store::{AuditEntry, ChangeSource, Override, OverrideKind, now_text};

/// The largest request body accepted: a batch of events.
const MAX_BODY_BYTES: usize = 64 << 20;
/// Audit entries returned at most per request.
const MAX_AUDIT_PAGE: usize = 10_000;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(get_dashboard))
        .route("/v1/events", post(post_events))
        .route("/v1/check", post(post_check))
        .route("/v1/accounts/{id}", get(get_account))
        .route("/v1/campaigns", get(get_campaigns))
        .route("/v1/campaigns/{id}", get(get_campaign))
        .route("/v1/overrides/{id}", put(put_override))
        .route("/v1/audit", get(get_audit))
        .route("/v1/admin/reload", post(post_reload))
        .route("/v1/admin/rescore", post(post_rescore))
        .route("/metrics", get(get_metrics))
        .route("/healthz", get(get_health))
        .route("/readyz", get(get_ready))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

/// An error answer: a status and a message, as `{"error": …}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl From<ServeError> for ApiError {
    fn from(error: ServeError) -> Self {
        tracing::error!(%error, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Refuses a request without a bearer token that grants `role`.
fn authorize(app: &App, headers: &HeaderMap, role: Role) -> Result<(), ApiError> {
    authorize_token(app, bearer(headers), role)
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

fn authorize_token(app: &App, token: Option<&str>, role: Role) -> Result<(), ApiError> {
    match token {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "a bearer token is required",
        )),
        Some(token) if app.config.tokens.allows(token, role) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the token does not allow {role:?}").to_lowercase(),
        )),
    }
}

async fn post_events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: String,
) -> ApiResult<IngestAnswer> {
    authorize(&app, &headers, Role::Ingest)?;
    let mut received = Received::default();
    received.add_body(&body, "http", app.config.store_prompts);
    Ok(Json(app.ingest(received, None).await?))
}

async fn post_check(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(mut request): Json<Value>,
) -> ApiResult<CheckAnswer> {
    let started = Instant::now();
    authorize(&app, &headers, Role::Check)?;
    if let Some(fields) = request.as_object_mut() {
        fields
            .entry("ts")
            .or_insert_with(|| Value::from(now_millis()));
    }
    let event = event_from_json(&request).map_err(|rejection| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, rejection.to_string())
    })?;
    let event = prepare(event, app.config.store_prompts);
    let answer = check(&app.shared, &event);
    let metrics = &app.shared.metrics;
    metrics.checked(answer.decision);
    metrics
        .check_seconds
        .observe(started.elapsed().as_secs_f64());
    Ok(Json(answer))
}

async fn get_account(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Read)?;
    let snapshot = app.shared.snapshot.load();
    let overrides = app.shared.overrides.load();
    let state = snapshot.accounts.get(&id);
    let set = overrides.get(&id);
    if state.is_none() && set.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no record of account {id}"),
        ));
    }
    let mut body = match state {
        Some(state) => serde_json::to_value(state).expect("account states serialise"),
        None => json!({ "account_id": id }),
    };
    body["override"] = serde_json::to_value(set).expect("overrides serialise");
    body["as_of"] = json!(snapshot.as_of.map(format_rfc3339));
    Ok(Json(body))
}

/// `GET /?token=…`: a browser cannot send a bearer header, so the dashboard also takes the
/// read token as a query parameter (prefer the header, or a proxy that adds it: a URL with a
/// token ends up in histories and logs).
#[derive(Debug, Deserialize)]
struct DashboardQuery {
    token: Option<String>,
}

async fn get_dashboard(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    authorize_token(
        &app,
        bearer(&headers).or(query.token.as_deref()),
        Role::Read,
    )?;
    let snapshot = app.shared.snapshot.load();
    let page = dashboard::page(&snapshot, &app.evidence.campaigns(&snapshot));
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response())
}

async fn get_campaigns(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Read)?;
    let snapshot = app.shared.snapshot.load();
    let campaigns: Vec<Value> = snapshot
        .campaigns
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "accounts": c.accounts.len(),
                "exchanges": c.exchanges,
                "first_seen": c.first_seen,
                "last_seen": c.last_seen,
                "mean_score": c.mean_score,
            })
        })
        .collect();
    Ok(Json(json!({
        "as_of": snapshot.as_of.map(format_rfc3339),
        "campaigns": campaigns,
    })))
}

async fn get_campaign(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Read)?;
    let snapshot = app.shared.snapshot.load();
    if snapshot.campaign(&id).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no campaign {id}"),
        ));
    }
    let campaign = app
        .evidence
        .campaigns(&snapshot)
        .into_iter()
        .find(|c| c.id == id)
        .expect("the snapshot has the campaign");
    Ok(Json(
        serde_json::to_value(campaign).expect("campaigns serialise"),
    ))
}

/// The body of `PUT /v1/overrides/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideRequest {
    /// `allow`, `block`, or `none` to remove the override.
    action: String,
    author: String,
    reason: String,
}

async fn put_override(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(request): Json<OverrideRequest>,
) -> ApiResult<AuditEntry> {
    authorize(&app, &headers, Role::Admin)?;
    if request.author.trim().is_empty() || request.reason.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "an override needs an author and a reason",
        ));
    }
    let kind = match request.action.as_str() {
        "allow" => Some(OverrideKind::Allow),
        "block" => Some(OverrideKind::Block),
        "none" => None,
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`action` must be allow, block or none, got {other}"),
            ));
        }
    };
    let detected = app.shared.snapshot.load().action_of(&id);
    let effective = |set: Option<OverrideKind>| match set {
        Some(OverrideKind::Allow) => Action::Allow,
        Some(OverrideKind::Block) => Action::Block,
        None => detected.unwrap_or(Action::Allow),
    };
    let before = app.shared.overrides.load().get(&id).map(|o| o.kind);
    let new = kind.map(|kind| Override {
        kind,
        author: request.author.clone(),
        reason: request.reason.clone(),
        at: now_text(),
    });
    let entry = AuditEntry {
        seq: 0,
        at: now_text(),
        account_id: id.clone(),
        from: Some(effective(before)),
        to: effective(kind),
        source: ChangeSource::Override,
        author: Some(request.author),
        reason: request.reason,
    };
    let store = app.store.clone();
    let (account, stored) = (id.clone(), new.clone());
    let logged =
        tokio::task::spawn_blocking(move || store.set_override(&account, stored.as_ref(), entry))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    app.shared.overrides.rcu(|current| {
        let mut next = (**current).clone();
        match &new {
            Some(value) => next.insert(id.clone(), value.clone()),
            None => next.remove(&id),
        };
        next
    });
    Ok(Json(logged))
}

/// The query of `GET /v1/audit`.
#[derive(Debug, Deserialize)]
struct AuditQuery {
    account: Option<String>,
    /// Entries after this sequence number.
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

async fn get_audit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Read)?;
    let limit = query.limit.unwrap_or(1_000).clamp(1, MAX_AUDIT_PAGE);
    let entries = app
        .on_store(move |store| store.audit_log(query.account.as_deref(), query.after, limit))
        .await?;
    Ok(Json(json!({ "entries": entries })))
}

async fn post_reload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Admin)?;
    app.reload_policy()
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(json!({ "reloaded": true })))
}

async fn post_rescore(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Admin)?;
    app.detector.rescore().await?;
    let snapshot = app.shared.snapshot.load();
    Ok(Json(json!({
        "as_of": snapshot.as_of.map(format_rfc3339),
        "accounts": snapshot.accounts.len(),
        "campaigns": snapshot.campaigns.len(),
    })))
}

async fn get_metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.shared.metrics.render(),
    )
}

async fn get_health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn get_ready(State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let quarantined = app.on_store(|store| store.quarantine_count()).await?;
    let snapshot = app.shared.snapshot.load();
    Ok(Json(json!({
        "status": "ready",
        "events": snapshot.events,
        "accounts": snapshot.accounts.len(),
        "quarantined": quarantined,
    })))
}
