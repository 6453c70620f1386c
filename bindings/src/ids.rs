//! Ids cross the boundary as UUID text. Text that is not an id names nothing, so it is
//! `NotFound` for the entity the caller asked about, like an id that names nothing here.

use crate::error::ApiError;
use uuid::Uuid;

pub(crate) fn parse_id(entity: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound { entity: entity.to_owned() })
}
