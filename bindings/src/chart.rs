//! A chart screen in one call: the period (ending today, by the core's spans), the points with
//! their place in time, the unit, a value axis with its tick labels, and for blood pressure the
//! 135/85 home-BP reference lines. The shells draw it as given.

use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::time::{CalendarDay, local_time};
use crate::vitals::SeriesPoint;
use std::time::SystemTime;
use techo_core::domain::chart::{self, LineField};
use techo_core::domain::{Bucket, VitalKind, shown};

/// Which value a reference line is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChartLineField {
    Systolic,
    Diastolic,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReferenceLine {
    pub field: ChartLineField,
    pub value: f64,
    /// The label, e.g. "135".
    pub shown: String,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AxisTick {
    pub value: f64,
    pub shown: String,
}

/// One point and where it sits: `day_index` days after `first` (the bucket's first day), so
/// gaps between readings show as gaps.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct ChartPoint {
    pub point: SeriesPoint,
    pub day_index: u32,
}

#[derive(Clone, PartialEq, uniffi::Record)]
pub struct VitalChart {
    pub kind: VitalKind,
    pub bucket: Bucket,
    pub first: CalendarDay,
    pub last: CalendarDay,
    /// Days from `first` to `last`, both included: the width of the time axis.
    pub day_count: u32,
    pub points: Vec<ChartPoint>,
    /// The core's unit symbol for the values ("kg", "mmHg", "mg/dL" …).
    pub unit: String,
    pub axis_min: f64,
    pub axis_max: f64,
    pub ticks: Vec<AxisTick>,
    pub reference_lines: Vec<ReferenceLine>,
}

#[uniffi::export]
impl TechoCore {
    /// The chart of `kind` by `bucket` for the period ending on `as_of`'s local day.
    pub fn vital_chart(
        &self,
        profile_id: String,
        kind: VitalKind,
        bucket: Bucket,
        as_of: SystemTime,
        utc_offset_minutes: i32,
    ) -> Result<VitalChart, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let today = local_time(as_of, utc_offset_minutes)?.date_naive();
        let (first, last) = chart::window(bucket, today);
        let series = self.store.vital_series(profile, kind, first, last, bucket)?;
        let lines = chart::reference_lines(kind);
        let values = series
            .iter()
            .flat_map(|p| [Some(p.value.mean), p.diastolic.as_ref().map(|d| d.mean)])
            .flatten()
            .chain(lines.iter().map(|(_, v)| *v))
            .collect::<Vec<_>>();
        let axis = chart::value_axis(values.iter().copied());
        let points = series
            .into_iter()
            .map(|p| {
                let day_index = u32::try_from((p.start - first).num_days().max(0)).unwrap_or(0);
                ChartPoint { day_index, point: SeriesPoint::new(kind, p) }
            })
            .collect();
        let (axis_min, axis_max, ticks) = match axis {
            Some(a) => (a.min, a.max, a.ticks),
            None => (0.0, 1.0, Vec::new()),
        };
        Ok(VitalChart {
            kind,
            bucket,
            first: first.into(),
            last: last.into(),
            day_count: chart::span_days(bucket),
            points,
            unit: chart::unit(kind).to_owned(),
            axis_min,
            axis_max,
            ticks: ticks.into_iter().map(|value| AxisTick { value, shown: shown::mean(kind, value) }).collect(),
            reference_lines: lines
                .into_iter()
                .map(|(field, value)| ReferenceLine {
                    field: match field {
                        LineField::Systolic => ChartLineField::Systolic,
                        LineField::Diastolic => ChartLineField::Diastolic,
                    },
                    value,
                    shown: shown::mean_whole(value),
                })
                .collect(),
        })
    }
}
