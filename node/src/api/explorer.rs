//! The block explorer: a page and its two assets, embedded in the binary and served
//! beside the API. The page reads the JSON API only (see `spec/node-api.md`), so it
//! has no routes of its own beyond its files.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// The page.
pub const INDEX_HTML: &str = include_str!("explorer/index.html");
/// Its style sheet.
pub const EXPLORER_CSS: &str = include_str!("explorer/explorer.css");
/// Its script.
pub const EXPLORER_JS: &str = include_str!("explorer/explorer.js");

/// The routes of the page (`/`) and its assets (`/explorer/…`).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/explorer/explorer.css",
            get(|| asset("text/css; charset=utf-8", EXPLORER_CSS)),
        )
        .route(
            "/explorer/explorer.js",
            get(|| asset("text/javascript; charset=utf-8", EXPLORER_JS)),
        )
}

async fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    // no-cache: a browser revalidates, so a restarted node's new page is seen.
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
}
