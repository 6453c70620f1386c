//! What pharmacy systems post: a patient's dispensings as JAHIS TC.

use super::ApiQuery;
use crate::error::ApiResult;
use crate::pharmacy;
use crate::state::{InstitutionCaller, SharedState, blocking};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use techo_protocol::error::ErrorBody;
use techo_protocol::pharmacy::PharmacySubmission;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PatientQuery {
    /// The patient's HM code.
    pub patient: String,
}

/// Stores a patient's dispensings sent by a pharmacy (body: JAHIS TC bytes, Shift_JIS, output
/// direction 1). Data with errors is refused whole, with every problem by position.
#[utoipa::path(post, path = "/v1/pharmacy/medications", params(PatientQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = PharmacySubmission), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<SharedState>,
    caller: InstitutionCaller,
    ApiQuery(q): ApiQuery<PatientQuery>,
    body: Bytes,
) -> ApiResult<Json<PharmacySubmission>> {
    let st = state.clone();
    let out = blocking(&state, move |s| pharmacy::submit(s, &st.families, caller.id, &q.patient, &body)).await?;
    Ok(Json(out))
}
