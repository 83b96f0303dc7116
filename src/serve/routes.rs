//! The HTTP surface: the routes of Microsoft.ImportExport that the official
//! clients call, the admin routes under `/impexsim/`, and the gate every
//! request passes (authorization, `api-version`, the record of requests).
//!
//! | route | methods |
//! |---|---|
//! | `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs/{name}` | GET, PUT, PATCH, DELETE |
//! | `.../jobs/{name}/listBitLockerKeys` | POST |
//! | `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs` | GET (`$top`, `$filter`) |
//! | `/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs` | GET (`$top`, `$filter`) |
//! | `/providers/Microsoft.ImportExport/locations`, `.../locations/{name}`, `.../operations` | GET |
//! | `/impexsim/clock` | GET, POST `{"advance": "3d"}` or `{"to": RFC3339}` |
//! | `/impexsim/health` | GET |
//! | `/impexsim/reset` | POST |
//!
//! API routes need `Authorization: Bearer <token>` (any non-empty token;
//! unless the server runs with `--no-auth`) and `?api-version=` of
//! `api::API_VERSIONS`; admin routes need neither. Handlers hold the world's
//! lock only for their engine call, never across an `.await`, and turn
//! results into JSON outside it.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::{JobList, PutJobBody, UpdateJobBody};
use crate::serve::Shared;
use crate::serve::client::{check_job_name, put_request, update_request};
use crate::serve::clock::{AT_HEADER, ClockMode, ClockRequest, JOB_KEY_HEADER, parse_instant};
use crate::serve::error::ApiError;
use crate::serve::listing::{Query, next_link};
use crate::serve::provider;
use crate::serve::requests::{Applied, RequestRecord};
use crate::serve::world::{JobPath, Scope, World};
use crate::sim::JobKey;
use crate::time::SimTime;

/// The largest request body accepted [bytes].
pub const MAX_BODY: usize = 1 << 20;

const JOB: &str = "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.ImportExport/jobs/{name}";
const JOBS_IN_GROUP: &str = "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.ImportExport/jobs";
const JOBS_IN_SUBSCRIPTION: &str =
    "/subscriptions/{subscription}/providers/Microsoft.ImportExport/jobs";

/// Every route, behind the gate.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            JOB,
            get(get_job)
                .put(put_job)
                .patch(patch_job)
                .delete(delete_job),
        )
        .route(&format!("{JOB}/listBitLockerKeys"), post(bitlocker_keys))
        .route(JOBS_IN_GROUP, get(list_in_group))
        .route(JOBS_IN_SUBSCRIPTION, get(list_in_subscription))
        .route(
            "/providers/Microsoft.ImportExport/locations",
            get(locations),
        )
        .route(
            "/providers/Microsoft.ImportExport/locations/{name}",
            get(location),
        )
        .route(
            "/providers/Microsoft.ImportExport/operations",
            get(operations),
        )
        .route("/impexsim/clock", get(get_clock).post(post_clock))
        .route("/impexsim/health", get(health))
        .route("/impexsim/reset", post(reset))
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

#[derive(Deserialize)]
struct JobParams {
    subscription: String,
    resource_group: String,
    name: String,
}

#[derive(Deserialize)]
struct GroupParams {
    subscription: String,
    resource_group: String,
}

#[derive(Deserialize)]
struct SubscriptionParams {
    subscription: String,
}

impl From<JobParams> for JobPath {
    fn from(params: JobParams) -> JobPath {
        JobPath {
            subscription: params.subscription,
            resource_group: params.resource_group,
            name: params.name,
        }
    }
}

/// Authorization and `api-version` for API routes; then the request's row
/// in `requests.csv` and its access log line.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let received = Utc::now();
    let method = request.method().to_string();
    let path = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_string(),
        |p| p.as_str().to_string(),
    );
    let admin = request.uri().path().starts_with("/impexsim/");
    let checked = if admin {
        Ok(())
    } else {
        check_authorization(shared.settings.auth, request.headers())
            .and_then(|()| Query::parse(request.uri().query()).check_api_version())
    };
    let response = match checked {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    };
    let record = RequestRecord {
        received,
        method,
        path,
        status: response.status().as_u16(),
        latency: started.elapsed(),
        applied: response.extensions().get::<Applied>().copied(),
    };
    shared.record(&record);
    response
}

/// `Authorization: Bearer <non-empty token>`.
fn check_authorization(required: bool, headers: &HeaderMap) -> Result<(), ApiError> {
    if !required {
        return Ok(());
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        Some(token) if !token.is_empty() => Ok(()),
        Some(_) | None => Err(ApiError::Unauthorized),
    }
}

/// The request's `x-impexsim-at`, if it has one.
fn stamp(shared: &Shared, headers: &HeaderMap) -> Result<Option<SimTime>, ApiError> {
    let Some(value) = headers.get(AT_HEADER) else {
        return Ok(None);
    };
    let invalid = |message: String| ApiError::InvalidHeader {
        header: AT_HEADER,
        message,
    };
    let text = value
        .to_str()
        .map_err(|_| invalid("not text".to_string()))?;
    parse_instant(&shared.time, text).map(Some).map_err(invalid)
}

/// The request's `x-impexsim-job-key`, if it has one.
fn job_key(headers: &HeaderMap) -> Result<Option<JobKey>, ApiError> {
    let Some(value) = headers.get(JOB_KEY_HEADER) else {
        return Ok(None);
    };
    let invalid = |message: String| ApiError::InvalidHeader {
        header: JOB_KEY_HEADER,
        message,
    };
    let text = value
        .to_str()
        .map_err(|_| invalid("not text".to_string()))?;
    text.trim()
        .parse::<JobKey>()
        .map(Some)
        .map_err(|error| invalid(error.to_string()))
}

/// A request body as JSON of type `T`; a malformed one is a 400 naming the
/// line and column.
async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::BodyTooLarge(MAX_BODY))?;
    serde_json::from_slice(&bytes).map_err(|error| ApiError::InvalidBody(error.to_string()))
}

/// `value` as a JSON answer.
fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let bytes = serde_json::to_vec(value).expect("an answer serializes");
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The answer, marked with where the request met the engine.
fn answer(applied: Option<Applied>, result: Result<Response, ApiError>) -> Response {
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    if let Some(applied) = applied {
        response.extensions_mut().insert(applied);
    }
    response
}

/// Runs `call` on the world at the request's instant (`stamped`, or the
/// clock's now), holding the lock for that engine call alone; `Applied`
/// says where the request met the engine, `None` when it never did.
fn at_instant<T>(
    shared: &Shared,
    stamped: Option<SimTime>,
    call: impl FnOnce(&mut World) -> Result<T, ApiError>,
) -> (Option<Applied>, Result<T, ApiError>) {
    let mut world = shared.world();
    match world.begin(stamped, Instant::now()) {
        Ok(applied) => (Some(applied), call(&mut world)),
        Err(error) => (None, Err(error)),
    }
}

async fn get_job(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<JobParams>,
    headers: HeaderMap,
) -> Response {
    let path = JobPath::from(params);
    let stamped = match stamp(&shared, &headers) {
        Ok(stamped) => stamped,
        Err(error) => return error.into_response(),
    };
    let (applied, result) = at_instant(&shared, stamped, |world| world.get_job(&path));
    answer(applied, result.map(|job| json(StatusCode::OK, &job)))
}

async fn put_job(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<JobParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = JobPath::from(params);
    let prepared = async {
        check_job_name(&path.name)?;
        let stamped = stamp(&shared, &headers)?;
        let key = job_key(&headers)?;
        let body: PutJobBody = read_json(body).await?;
        let put = put_request(&body, shared.settings.max_drives)?;
        Ok::<_, ApiError>((stamped, key, body, put))
    };
    let (stamped, key, body, put) = match prepared.await {
        Ok(prepared) => prepared,
        Err(error) => return error.into_response(),
    };
    let (applied, result) = at_instant(&shared, stamped, |world| {
        world.put_job(&path, body, &put, key)
    });
    answer(
        applied,
        result.map(|(created, job)| {
            let status = StatusCode::from_u16(created.status()).expect("a valid status");
            json(status, &job)
        }),
    )
}

async fn patch_job(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<JobParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = JobPath::from(params);
    let prepared = async {
        let stamped = stamp(&shared, &headers)?;
        let body: UpdateJobBody = read_json(body).await?;
        let update = update_request(&body)?;
        Ok::<_, ApiError>((stamped, body, update))
    };
    let (stamped, body, update) = match prepared.await {
        Ok(prepared) => prepared,
        Err(error) => return error.into_response(),
    };
    let (applied, result) = at_instant(&shared, stamped, |world| {
        world.update_job(&path, body, update)
    });
    answer(applied, result.map(|job| json(StatusCode::OK, &job)))
}

async fn delete_job(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<JobParams>,
    headers: HeaderMap,
) -> Response {
    let path = JobPath::from(params);
    let stamped = match stamp(&shared, &headers) {
        Ok(stamped) => stamped,
        Err(error) => return error.into_response(),
    };
    let (applied, result) = at_instant(&shared, stamped, |world| world.delete_job(&path));
    answer(applied, result.map(|()| StatusCode::OK.into_response()))
}

async fn bitlocker_keys(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<JobParams>,
    headers: HeaderMap,
) -> Response {
    let path = JobPath::from(params);
    let stamped = match stamp(&shared, &headers) {
        Ok(stamped) => stamped,
        Err(error) => return error.into_response(),
    };
    let (applied, result) = at_instant(&shared, stamped, |world| world.bitlocker_keys(&path));
    answer(applied, result.map(|keys| json(StatusCode::OK, &keys)))
}

async fn list_in_group(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<GroupParams>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let scope = Scope {
        subscription: params.subscription,
        resource_group: Some(params.resource_group),
    };
    list(&shared, scope, &headers, &uri)
}

async fn list_in_subscription(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<SubscriptionParams>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let scope = Scope {
        subscription: params.subscription,
        resource_group: None,
    };
    list(&shared, scope, &headers, &uri)
}

/// One page of List Jobs; `nextLink` repeats every query parameter.
fn list(shared: &Shared, scope: Scope, headers: &HeaderMap, uri: &Uri) -> Response {
    let prepared = stamp(shared, headers)
        .and_then(|stamped| Ok((stamped, Query::parse(uri.query()).list_query()?)));
    let (stamped, query) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return error.into_response(),
    };
    let (applied, page) = {
        let mut world = shared.world();
        match world.begin(stamped, Instant::now()) {
            Ok(applied) => (
                applied,
                world.list(&scope, &query, shared.settings.page_size),
            ),
            Err(error) => return error.into_response(),
        }
    };
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map_or_else(|| shared.settings.listen.to_string(), str::to_string);
    let base = format!("http://{host}{}", uri.path());
    let next_link = page
        .next
        .map(|(returned, last)| next_link(&base, uri.query(), returned, &last));
    let list = JobList {
        value: page.jobs,
        next_link,
    };
    answer(Some(applied), Ok(json(StatusCode::OK, &list)))
}

/// `{"value": [...]}`.
#[derive(Serialize)]
struct Values<T> {
    value: Vec<T>,
}

async fn locations() -> Response {
    json(
        StatusCode::OK,
        &Values {
            value: provider::locations(),
        },
    )
}

async fn location(Path(name): Path<String>) -> Response {
    match provider::find_location(&name) {
        Some(location) => json(StatusCode::OK, &location),
        None => {
            ApiError::UnknownPath(format!("location `{}`", crate::echo::cut(&name))).into_response()
        }
    }
}

async fn operations() -> Response {
    json(
        StatusCode::OK,
        &Values {
            value: provider::operations(),
        },
    )
}

/// `GET /impexsim/clock` and the answer of the other admin routes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClockView {
    /// The simulated time, RFC 3339 with milliseconds.
    time: String,
    /// `wall`, `manual` or `requests`.
    mode: &'static str,
    /// Simulated time per wall time, under the wall clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    speed: Option<f64>,
    /// The latest instant the clock may show.
    limit: String,
    /// Requests applied later than stamped (request clock).
    late_requests: u64,
    /// Jobs in the engine's memory.
    jobs_in_memory: u64,
}

fn clock_view(shared: &Shared, now: Instant, advance: bool) -> ClockView {
    let mut world = shared.world();
    if advance {
        let at = world.clock().now(now);
        // Under the wall clock, the time shown is the engine's, caught up.
        if let Err(error) = world.begin(None, now) {
            unreachable!("a request without a stamp is always applied: {error}");
        }
        debug_assert!(world.now() >= at);
    }
    let clock = world.clock();
    let time = world.time();
    ClockView {
        time: time.rfc3339(world.now()),
        mode: clock.mode().name(),
        speed: match clock.mode() {
            ClockMode::Wall { speed } => Some(speed),
            ClockMode::Manual | ClockMode::Requests => None,
        },
        limit: time.rfc3339(clock.limit()),
        late_requests: clock.late(),
        jobs_in_memory: world.jobs_in_memory(),
    }
}

async fn get_clock(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, &clock_view(&shared, Instant::now(), true))
}

async fn post_clock(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let request: ClockRequest = match read_json(body).await {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let now = Instant::now();
    let moved = {
        let mut world = shared.world();
        let current = world.clock().now(now).max(world.now());
        request
            .target(&world.time(), current)
            .and_then(|to| world.set_clock(to, now))
    };
    match moved {
        Ok(_) => json(StatusCode::OK, &clock_view(&shared, now, false)),
        Err(error) => error.into_response(),
    }
}

async fn health(State(shared): State<Arc<Shared>>) -> Response {
    #[derive(Serialize)]
    struct Health {
        status: &'static str,
        clock: ClockView,
    }
    json(
        StatusCode::OK,
        &Health {
            status: "ok",
            clock: clock_view(&shared, Instant::now(), true),
        },
    )
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    let now = Instant::now();
    shared.world().reset(now);
    json(StatusCode::OK, &clock_view(&shared, now, false))
}

async fn unknown_path(request: Request) -> Response {
    ApiError::UnknownPath(crate::echo::cut(request.uri().path()).into_owned()).into_response()
}

async fn method_not_allowed(method: Method, request: Request) -> Response {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: crate::echo::cut(request.uri().path()).into_owned(),
    }
    .into_response()
}
