//! Account activation, login, token refresh and logout.

use serde::{Deserialize, Serialize};

/// `POST /v1/auth/activate`: first use of the one-time code printed when the HM card was issued.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivateRequest {
    pub hm_code: String,
    pub activation_code: String,
    pub password: String,
}

/// `POST /v1/auth/login`: registers (or re-registers) this device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub hm_code: String,
    pub password: String,
    /// Stable id of the installation (the store's device id).
    pub device_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
}

/// `POST /v1/auth/refresh`: the refresh token is single-use; a reused one revokes the device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
    pub device_id: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    /// Seconds the access token stays valid.
    pub expires_in: u64,
    pub refresh_token: String,
    /// HM codes of the patients this account may read and write.
    pub patients: Vec<String>,
}
