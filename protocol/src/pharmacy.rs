//! What a pharmacy system gets back when it posts a patient's dispensings
//! (`POST /v1/pharmacy/medications?patient=<HM code>`, body: JAHIS TC, output direction 1).

use crate::error::DataProblem;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PharmacySubmission {
    /// The ids of the entries the file holds, all stored (once, however often it is sent).
    pub entries: Vec<String>,
    /// What the data does differently from the format without being refused, by position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<DataProblem>,
}
