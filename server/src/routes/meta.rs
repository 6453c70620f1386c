use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kenko Techo sync API", description = "Offline-first sync for the Kenko Techo patient app"),
    paths(
        super::auth::activate,
        super::auth::login,
        super::auth::refresh,
        super::auth::logout,
        super::sync::push,
        super::sync::pull,
        super::sync::versions,
        super::pharmacy::submit,
        super::uploads::start,
        super::uploads::status,
        super::uploads::chunk,
        super::uploads::download,
        healthz
    )
)]
pub struct ApiDoc;

/// Liveness.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server is up", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
