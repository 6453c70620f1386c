//! Activation, login, token refresh, logout.
//!
//! Every attempt that checks a secret (login, activation) is first reserved against the failed
//! sign-in limits in the database, then waits for a hashing permit, and costs one Argon2
//! computation whatever the outcome (unknown and not yet activated accounts hash a dummy).

use super::ApiJson;
use crate::auth::{
    AccessClaims, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, hash_password, login_rules, new_refresh_family,
    normalise_activation_code, parse_refresh_token, verify_against_nothing, verify_password,
};
use crate::error::{ApiError, ApiResult};
use crate::state::{Caller, SharedState, blocking, now_ms};
use crate::storage::{NewSession, NextRefresh, PresentedRefresh, RefreshOutcome, ResidentId, sha256_hex};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use std::net::SocketAddr;
use techo_domain::HmCode;
use techo_domain::validation::{DEVICE_NAME_MAX_CHARS, Field, check_text};
use techo_protocol::auth::{ActivateRequest, LoginRequest, RefreshRequest, Tokens};
use techo_protocol::error::{ErrorBody, ErrorCode};

fn hm(code: &str) -> ApiResult<String> {
    HmCode::parse(code).map(|c| c.to_string()).map_err(|_| ApiError::malformed("hm_code: 4 to 20 letters or digits"))
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "HM code or password is not correct")
}

fn signed_out() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidRefreshToken, "signed out; log in again")
}

fn device_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && !id.chars().any(char::is_control)
}

fn password_len_ok(password: &str) -> ApiResult<()> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::malformed(format!("password: at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Reserves one attempt on `account` from `addr` against every limit, before any hashing.
async fn reserve(state: &SharedState, account: &str, addr: &SocketAddr) -> ApiResult<()> {
    let rules = login_rules(&state.limits.login, account, &addr.ip().to_string());
    let wait = blocking(state, move |s| Ok(s.reserve_login_attempt(&rules, now_ms())?)).await?;
    match wait {
        None => Ok(()),
        Some(ms) => Err(ApiError::rate_limited(u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1))),
    }
}

async fn succeeded(state: &SharedState, account: &str, addr: &SocketAddr) -> ApiResult<()> {
    let [pair, address, all] = login_rules(&state.limits.login, account, &addr.ip().to_string());
    blocking(state, move |s| Ok(s.login_succeeded(&pair.key, &[&address.key, &all.key])?)).await
}

fn tokens(
    state: &SharedState,
    claims: &AccessClaims,
    refresh_token: String,
    patients: Vec<(ResidentId, String)>,
) -> Tokens {
    Tokens {
        access_token: state.signer.sign(claims),
        expires_in: u64::try_from(claims.expires_at - unix_now()).unwrap_or(0),
        refresh_token,
        patients: patients.into_iter().map(|p| p.1).collect(),
    }
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
    password_len_ok(&req.password)?;
    if req.activation_code.len() > 64 {
        return Err(ApiError::malformed("activation_code: at most 64 characters"));
    }
    reserve(&state, &code, &addr).await?;
    let code_hash = sha256_hex(normalise_activation_code(&req.activation_code).as_bytes());
    // The code first: a wrong one costs no hashing at all.
    let (c, h) = (code.clone(), code_hash.clone());
    let usable = blocking(&state, move |s| Ok(s.activation_code_usable(&c, &h, now_ms())?)).await?;
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidActivationCode,
            "the activation code is not valid, already used, or expired",
        )
    };
    if !usable {
        return Err(invalid());
    }
    let password = req.password;
    let phc = state
        .hashes
        .run(move || hash_password(&password))
        .await
        .ok_or_else(ApiError::unavailable)?
        .map_err(|_| ApiError::unavailable())?;
    let c = code.clone();
    let activated = blocking(&state, move |s| match s.activate(&c, &code_hash, &phc, now_ms()) {
        Ok(()) => Ok(true),
        Err(crate::storage::StorageError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    })
    .await?;
    if !activated {
        return Err(invalid());
    }
    succeeded(&state, &code, &addr).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs a device in with HM code and password: a new session for it, every earlier token of it
/// revoked.
#[utoipa::path(post, path = "/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<Tokens>> {
    let code = hm(&req.hm_code)?;
    if !device_id_ok(&req.device_id) {
        return Err(ApiError::malformed("device_id: 1 to 64 characters"));
    }
    check_text(req.device_name.as_deref(), Field::DeviceName, DEVICE_NAME_MAX_CHARS)
        .map_err(|_| ApiError::malformed(format!("device_name: at most {DEVICE_NAME_MAX_CHARS} characters")))?;
    password_len_ok(&req.password)?;
    reserve(&state, &code, &addr).await?;
    let c = code.clone();
    let resident = blocking(&state, move |s| Ok(s.resident_by_hm_code(&c)?)).await?;
    let (password, phc) = (req.password, resident.as_ref().and_then(|r| r.password_hash.clone()));
    // One Argon2 computation whatever the account: unknown and unactivated ones hash a dummy.
    let ok = state
        .hashes
        .run(move || match phc {
            Some(phc) => verify_password(&password, &phc),
            None => {
                verify_against_nothing(&password);
                false
            }
        })
        .await
        .ok_or_else(ApiError::unavailable)?;
    let Some(resident) = resident.filter(|_| ok).map(|r| r.id) else { return Err(invalid_credentials()) };
    succeeded(&state, &code, &addr).await?;

    let (refresh, family) = new_refresh_family().map_err(|_| ApiError::unavailable())?;
    let access_exp = unix_now() + i64::try_from(state.limits.access_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let refresh_exp = now_ms() + i64::try_from(state.limits.refresh_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let (family_hash, refresh_hash) = (sha256_hex(family.as_bytes()), sha256_hex(refresh.as_bytes()));
    let (device, name, max_devices) = (req.device_id.clone(), req.device_name, state.limits.max_devices);
    let (session, patients) = blocking(&state, move |s| {
        let new = NewSession {
            family_hash: &family_hash,
            refresh_hash: &refresh_hash,
            refresh_expires_at_ms: refresh_exp,
            access_expires_at: access_exp,
        };
        let session = s.sign_in_device(resident, &device, name.as_deref(), &new, max_devices, now_ms())?;
        Ok((session, s.patients_of(resident)?))
    })
    .await?;
    let claims = AccessClaims { resident, device_id: req.device_id, session, expires_at: access_exp };
    Ok(Json(tokens(&state, &claims, refresh, patients)))
}

/// Exchanges a refresh token for the next one of its family. Presented again within the retry
/// grace (the answer was lost), it gets the same answer; any other reuse signs the device out.
#[utoipa::path(post, path = "/v1/auth/refresh", request_body = RefreshRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<SharedState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<Tokens>> {
    let Some((family, seq)) = parse_refresh_token(&req.refresh_token) else { return Err(signed_out()) };
    if !device_id_ok(&req.device_id) {
        return Err(signed_out());
    }
    let next = state.signer.next_refresh_token(family, seq, &req.refresh_token);
    let (family_hash, token_hash, next_hash) =
        (sha256_hex(family.as_bytes()), sha256_hex(req.refresh_token.as_bytes()), sha256_hex(next.as_bytes()));
    let access_exp = unix_now() + i64::try_from(state.limits.access_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let refresh_exp = now_ms() + i64::try_from(state.limits.refresh_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let grace = i64::try_from(state.limits.refresh_retry_grace.as_millis()).unwrap_or(0);
    let device = req.device_id.clone();
    let (outcome, patients) = blocking(&state, move |s| {
        let presented = PresentedRefresh { family_hash: &family_hash, seq, token_hash: &token_hash };
        let next =
            NextRefresh { refresh_hash: &next_hash, refresh_expires_at_ms: refresh_exp, access_expires_at: access_exp };
        let outcome = s.refresh_session(&device, &presented, &next, grace, now_ms())?;
        let patients = match &outcome {
            RefreshOutcome::Rotated { resident, .. } | RefreshOutcome::Repeated { resident, .. } => {
                s.patients_of(*resident)?
            }
            _ => Vec::new(),
        };
        Ok((outcome, patients))
    })
    .await?;
    let claims = |resident, session, expires_at| AccessClaims {
        resident,
        device_id: req.device_id.clone(),
        session,
        expires_at,
    };
    match outcome {
        RefreshOutcome::Rotated { resident, session, .. } => {
            Ok(Json(tokens(&state, &claims(resident, session, access_exp), next, patients)))
        }
        RefreshOutcome::Repeated { resident, session, access_expires_at, .. } => {
            Ok(Json(tokens(&state, &claims(resident, session, access_expires_at), next, patients)))
        }
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reuse detected; device signed out");
            Err(signed_out())
        }
        RefreshOutcome::Invalid => Err(signed_out()),
    }
}

/// Ends this device's session for good: its refresh tokens are revoked and its access tokens
/// stop working, also after a later login.
#[utoipa::path(post, path = "/v1/auth/logout", responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn logout(State(state): State<SharedState>, caller: Caller) -> ApiResult<StatusCode> {
    blocking(&state, move |s| Ok(s.sign_out_device(caller.resident, &caller.device_id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
