//! Activation, login, token refresh, logout.

use super::ApiJson;
use crate::auth::{
    AccessClaims, MIN_PASSWORD_CHARS, hash_password, new_refresh_token, normalise_activation_code,
    verify_against_nothing, verify_password,
};
use crate::error::{ApiError, ApiResult};
use crate::state::{Caller, SharedState, blocking, now_ms};
use crate::storage::{RefreshOutcome, ResidentId, sha256_hex};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use std::net::SocketAddr;
use std::time::Instant;
use techo_domain::HmCode;
use techo_protocol::auth::{ActivateRequest, LoginRequest, RefreshRequest, Tokens};
use techo_protocol::error::{ErrorBody, ErrorCode};

fn hm(code: &str) -> ApiResult<String> {
    HmCode::parse(code).map(|c| c.to_string()).map_err(|_| ApiError::malformed("hm_code: 4 to 20 letters or digits"))
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "HM code or password is not correct")
}

/// Issues an access token and a fresh refresh token for a signed-in device.
async fn issue(state: &SharedState, resident: ResidentId, device_id: String) -> ApiResult<Tokens> {
    let refresh = new_refresh_token().map_err(|_| ApiError::unavailable())?;
    let expires = now_ms() + state.limits.refresh_ttl.as_millis() as i64;
    let (hash, dev) = (sha256_hex(refresh.as_bytes()), device_id.clone());
    let patients = blocking(state, move |s| {
        s.add_refresh_token(&hash, &dev, resident, expires)?;
        Ok(s.patients_of(resident)?)
    })
    .await?;
    let ttl = state.limits.access_ttl.as_secs();
    let claims = AccessClaims { resident, device_id, expires_at: chrono::Utc::now().timestamp() + ttl as i64 };
    Ok(Tokens {
        access_token: state.signer.sign(&claims),
        expires_in: ttl,
        refresh_token: refresh,
        patients: patients.into_iter().map(|p| p.1).collect(),
    })
}

/// First use of the activation code handed out with the HM card; sets the password.
#[utoipa::path(post, path = "/v1/auth/activate", request_body = ActivateRequest,
    responses((status = 204, description = "Activated"), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn activate(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<StatusCode> {
    let code = hm(&req.hm_code)?;
    if req.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::WeakPassword,
            format!("the password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let address = addr.ip().to_string();
    state.limiter.check(&code, &address, Instant::now()).map_err(|w| ApiError::rate_limited(w.as_secs()))?;
    let code_hash = sha256_hex(normalise_activation_code(&req.activation_code).as_bytes());
    let password = req.password;
    let hm_code = code.clone();
    let activated = blocking(&state, move |s| {
        let phc = hash_password(&password).map_err(|_| ApiError::unavailable())?;
        match s.activate(&hm_code, &code_hash, &phc, now_ms()) {
            Ok(()) => Ok(true),
            Err(crate::storage::StorageError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    if !activated {
        state.limiter.record_failure(&code, &address, Instant::now());
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidActivationCode,
            "the activation code is not valid, already used, or expired",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Signs a device in with HM code and password.
#[utoipa::path(post, path = "/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<Tokens>> {
    let code = hm(&req.hm_code)?;
    if req.device_id.is_empty() || req.device_id.len() > 64 {
        return Err(ApiError::malformed("device_id: 1 to 64 characters"));
    }
    let address = addr.ip().to_string();
    state.limiter.check(&code, &address, Instant::now()).map_err(|w| ApiError::rate_limited(w.as_secs()))?;
    let (c, password, device, name) = (code.clone(), req.password, req.device_id.clone(), req.device_name);
    let resident = blocking(&state, move |s| {
        let Some(r) = s.resident_by_hm_code(&c)? else {
            verify_against_nothing(&password);
            return Ok(None);
        };
        match &r.password_hash {
            Some(phc) if verify_password(&password, phc) => {
                s.sign_in_device(r.id, &device, name.as_deref(), now_ms())?;
                Ok(Some(r.id))
            }
            _ => Ok(None),
        }
    })
    .await?;
    let Some(resident) = resident else {
        state.limiter.record_failure(&code, &address, Instant::now());
        return Err(invalid_credentials());
    };
    state.limiter.record_success(&code);
    Ok(Json(issue(&state, resident, req.device_id).await?))
}

/// Exchanges a refresh token (single use) for new tokens.
#[utoipa::path(post, path = "/v1/auth/refresh", request_body = RefreshRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<SharedState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<Tokens>> {
    let hash = sha256_hex(req.refresh_token.as_bytes());
    let device = req.device_id.clone();
    let outcome = blocking(&state, move |s| Ok(s.use_refresh_token(&hash, &device, now_ms())?)).await?;
    match outcome {
        RefreshOutcome::Rotated { resident } => Ok(Json(issue(&state, resident, req.device_id).await?)),
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reuse detected; device signed out");
            Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidRefreshToken, "signed out; log in again"))
        }
        RefreshOutcome::Invalid => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidRefreshToken, "signed out; log in again"))
        }
    }
}

/// Signs this device out: its refresh tokens are revoked and its access token stops working.
#[utoipa::path(post, path = "/v1/auth/logout", responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn logout(State(state): State<SharedState>, caller: Caller) -> ApiResult<StatusCode> {
    blocking(&state, move |s| Ok(s.sign_out_device(&caller.device_id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
