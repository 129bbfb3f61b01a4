//! The fake server's `/logs` handler.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::{Fault, RecordedRequest, Shared};

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/logs", get(logs))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such endpoint in the fake IT Glue",
            )
        })
        .with_state(shared)
}

const JSON_API: &str = "application/vnd.api+json";

async fn logs(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let shown = format!(
        "/logs?{}",
        query
            .replace("%5B", "[")
            .replace("%5D", "]")
            .replace("%3A", ":")
            .replace("%2C", ",")
    );
    let (fault, over_limit, index) = arrive(&shared, shown);
    let (response, served) = answer(&shared, &headers, &query, fault, over_limit).await;
    let mut state = shared.lock();
    state.events_served += served;
    if let Some(entry) = state.log.get_mut(index) {
        entry.status = response.status().as_u16();
    }
    response
}

/// Counts and logs the request; returns its fault, whether it broke the rate
/// limit, and its place in the log.
fn arrive(shared: &Shared, shown: String) -> (Option<Fault>, bool, usize) {
    let window = shared
        .config
        .rate_limit
        .map_or(Duration::from_secs(300), |l| l.window);
    let now = tokio::time::Instant::now();
    let mut state = shared.lock();
    state.requests += 1;
    state.arrivals.push_back(now);
    while state
        .arrivals
        .front()
        .is_some_and(|&t| now.duration_since(t) > window)
    {
        state.arrivals.pop_front();
    }
    let in_window = state.arrivals.len() as u64;
    state.max_in_window = state.max_in_window.max(in_window);
    let over_limit = shared.config.rate_limit.is_some_and(|l| in_window > l.max);
    let requests = state.requests;
    let fault = state.faults.pop_front().or_else(|| {
        let (every, cycle, next) = state.periodic.as_mut()?;
        if requests % *every != 0 {
            return None;
        }
        let fault = cycle.get(*next % cycle.len()).cloned();
        *next += 1;
        fault
    });
    state.log.push(RecordedRequest {
        path_and_query: shown,
        status: 0,
        fault: fault.clone(),
    });
    (fault, over_limit, state.log.len() - 1)
}

async fn answer(
    shared: &Shared,
    headers: &HeaderMap,
    query: &str,
    fault: Option<Fault>,
    over_limit: bool,
) -> (Response, u64) {
    match &fault {
        Some(Fault::TooManyRequests { retry_after }) => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            if let Some(value) = retry_after
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return (response, 0);
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (error(status, "Injected failure"), 0);
        }
        Some(Fault::Slow(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::NotJson) => {
            let body = "<html><body><h1>Service temporarily unavailable</h1></body></html>";
            return (
                (StatusCode::OK, [(header::CONTENT_TYPE, "text/html")], body).into_response(),
                0,
            );
        }
        Some(Fault::EchoKey) => {
            let key = headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let body = format!("debug: received key {key} for this request");
            return (
                (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], body).into_response(),
                0,
            );
        }
        Some(Fault::Reply {
            status,
            content_type,
            body,
        }) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
            let mut response = (status, body.clone()).into_response();
            if let Ok(value) = HeaderValue::from_str(content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            return (response, 0);
        }
        Some(Fault::EndlessBody) => {
            let chunk = axum::body::Bytes::from_static(&[b' '; 64 * 1024]);
            let stream = futures_util::stream::repeat(Ok::<_, std::convert::Infallible>(chunk));
            return (
                (
                    [(header::CONTENT_TYPE, JSON_API)],
                    axum::body::Body::from_stream(stream),
                )
                    .into_response(),
                0,
            );
        }
        Some(Fault::Truncated) | None => {}
    }
    if over_limit {
        return (
            error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded"),
            0,
        );
    }
    let key_ok = headers
        .get("x-api-key")
        .is_some_and(|v| v.as_bytes() == shared.config.api_key.as_bytes());
    if !key_ok {
        let status =
            StatusCode::from_u16(shared.config.reject_status).unwrap_or(StatusCode::UNAUTHORIZED);
        return (error(status, "Invalid API key"), 0);
    }
    let (body, served) = match page(shared, query) {
        Ok(page) => page,
        Err((status, detail)) => return (error(status, &detail), 0),
    };
    if fault == Some(Fault::Truncated) {
        let mut cut = body.len() / 2;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let body = body[..cut].to_owned();
        return (
            ([(header::CONTENT_TYPE, JSON_API)], body).into_response(),
            0,
        );
    }
    (
        ([(header::CONTENT_TYPE, JSON_API)], body).into_response(),
        served,
    )
}

type Refusal = (StatusCode, String);

/// The page body and how many events it holds, or why the query is refused.
fn page(shared: &Shared, query: &str) -> Result<(String, u64), Refusal> {
    let config = &shared.config;
    let mut filter = None;
    let mut descending = false;
    let mut size: u32 = 50;
    let mut number: u32 = 1;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "filter[created_at]" => filter = Some(value.into_owned()),
            "sort" => match value.as_ref() {
                "created_at" => descending = false,
                "-created_at" => descending = true,
                other => {
                    return Err(bad(&format!(
                        "sort `{other}` is not supported: use created_at or -created_at"
                    )));
                }
            },
            "page[size]" => {
                size = value
                    .parse()
                    .map_err(|_| bad(&format!("page[size] `{value}` is not a number")))?;
                if size == 0 || size > config.max_page_size {
                    return Err(unprocessable(&format!(
                        "page[size] must be between 1 and {}",
                        config.max_page_size
                    )));
                }
            }
            "page[number]" => {
                number = value
                    .parse()
                    .map_err(|_| bad(&format!("page[number] `{value}` is not a number")))?;
                if number == 0 || number > config.max_pages {
                    return Err(unprocessable(&format!(
                        "page[number] must be between 1 and {}: narrow filter[created_at] to see more",
                        config.max_pages
                    )));
                }
            }
            _ => {}
        }
    }
    let oldest = config.now - TimeDelta::days(30);
    let (start, end) = match filter {
        Some(filter) => parse_filter(&filter, oldest, config.now)?,
        None => (oldest, config.now),
    };
    if (end - start).to_std().unwrap_or(Duration::ZERO) > config.max_window {
        return Err(unprocessable(
            "filter[created_at] may not span more than 7 days",
        ));
    }
    let first = start.timestamp().max(oldest.timestamp());
    let last = end.timestamp();
    let lo = shared.events.partition_point(|(t, _)| *t < first);
    let hi = shared.events.partition_point(|(t, _)| *t <= last).max(lo);
    let matching = &shared.events[lo..hi];
    let total = matching.len() as u64;
    let size64 = u64::from(size);
    let total_pages = total.div_ceil(size64);
    let skip = if config.endless_pages {
        0
    } else {
        (u64::from(number) - 1) * size64
    };
    let mut body = String::with_capacity(64 + size as usize * 450);
    body.push_str("{\"data\":[");
    let mut served = 0u64;
    let indices: Box<dyn Iterator<Item = usize>> = if descending {
        Box::new((0..matching.len()).rev())
    } else {
        Box::new(0..matching.len())
    };
    for i in indices.skip(skip as usize).take(size as usize) {
        if served > 0 {
            body.push(',');
        }
        body.push_str(&matching[i].1);
        served += 1;
    }
    let next = if config.endless_pages || u64::from(number) < total_pages {
        (u64::from(number) + 1).to_string()
    } else {
        "null".into()
    };
    let prev = if number > 1 {
        (number - 1).to_string()
    } else {
        "null".into()
    };
    let _ = write!(
        body,
        "],\"meta\":{{\"current-page\":{number},\"next-page\":{next},\"prev-page\":{prev}"
    );
    if !config.omit_total_count && !config.endless_pages {
        let _ = write!(
            body,
            ",\"total-pages\":{total_pages},\"total-count\":{total}"
        );
    }
    body.push_str("},\"links\":{}}");
    Ok((body, served))
}

fn parse_filter(
    value: &str,
    oldest: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Refusal> {
    let Some((start, end)) = value.split_once(',') else {
        return Err(bad("filter[created_at] must be START,END"));
    };
    let time = |s: &str, open: DateTime<Utc>| -> Result<DateTime<Utc>, Refusal> {
        let s = s.trim();
        if s == "*" {
            return Ok(open);
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(t.with_timezone(&Utc));
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .ok_or_else(|| bad(&format!("`{s}` in filter[created_at] is not a time")))
    };
    let (start, end) = (time(start, oldest)?, time(end, now)?);
    if start > end {
        return Err(bad("filter[created_at] starts after it ends"));
    }
    Ok((start, end))
}

fn bad(detail: &str) -> Refusal {
    (StatusCode::BAD_REQUEST, detail.to_owned())
}

fn unprocessable(detail: &str) -> Refusal {
    (StatusCode::UNPROCESSABLE_ENTITY, detail.to_owned())
}

fn error(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{
            "status": status.as_str(),
            "title": status.canonical_reason().unwrap_or("Error"),
            "detail": detail,
        }]
    });
    (status, [(header::CONTENT_TYPE, JSON_API)], body.to_string()).into_response()
}
