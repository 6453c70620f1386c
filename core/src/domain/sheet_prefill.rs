//! What the medication notebook already knows that belongs on the 命の宝箱: the patient details a
//! pharmacy wrote (JAHIS record 1: name, reading, sex, birth date, address, phone, blood type),
//! allergies, side effects and past illnesses (record 2), and the medicines being taken now. The
//! sheet offers them for empty fields; the person confirms before anything is saved.

use crate::domain::emergency_sheet::check_field;
use techo_jahis::{NoteKind, Patient, PatientNote, Sex};

/// Suggestions as (field key, text), each a value the field accepts, at most one per key.
pub fn suggestions(patient: Option<&Patient>, notes: &[PatientNote], medicines: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut offer = |key: &str, value: String| {
        let value = value.trim().to_owned();
        if !value.is_empty() && check_field(key, &value).is_ok() && !out.iter().any(|(k, _)| k == key) {
            out.push((key.to_owned(), value));
        }
    };
    if let Some(p) = patient {
        offer("identity.name", p.name().to_owned());
        offer("identity.kana", p.name_kana().to_owned());
        if let Some(sex) = p.sex() {
            offer("identity.sex", if sex == Sex::Female { "female" } else { "male" }.to_owned());
        }
        if let Some(d) = p.birth_date() {
            offer("identity.birth_date", format!("{:04}-{:02}-{:02}", d.year, d.month, d.day));
        }
        offer("identity.address", p.address().to_owned());
        offer("identity.phone", p.phone().to_owned());
        offer("contacts.1.phone", p.emergency_contact().to_owned());
        let blood = p.blood_type().trim().trim_end_matches("型").to_ascii_uppercase();
        let (abo, rh) = match blood.strip_suffix(['+', '-']) {
            Some(abo) => (abo.to_owned(), Some(if blood.ends_with('+') { "+" } else { "-" })),
            None => (blood.clone(), None),
        };
        offer("medical.blood_type", abo);
        if let Some(rh) = rh {
            offer("medical.blood_rh", rh.to_owned());
        }
    }
    let joined = |kinds: &[NoteKind], prefix: &str| {
        notes
            .iter()
            .filter(|n| n.kind().is_some_and(|k| kinds.contains(&k)))
            .map(|n| format!("{prefix}{}", n.text().trim()))
            .filter(|t| t.len() > prefix.len())
            .collect::<Vec<_>>()
    };
    let mut drug = joined(&[NoteKind::Allergy], "");
    drug.extend(joined(&[NoteKind::SideEffect], "副作用："));
    offer("medical.allergy_drug", drug.join("\n"));
    offer("medical.history", joined(&[NoteKind::MedicalHistory], "").join("\n"));
    let mut names: Vec<&str> = Vec::new();
    for name in medicines {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    offer("medical.medicines", names.join("\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notebook_fills_what_it_knows_in_the_form_each_field_takes() {
        let doc = techo_jahis::parse_str(
            "JAHISTC08,1\r\n1,山田　花子,2,S160309,7300011,広島市中区,082-111-2222,090-3333-4444,A+,52,ﾔﾏﾀﾞ ﾊﾅｺ\r\n\
             2,1,ペニシリン\r\n2,2,ロキソニンで胃痛\r\n2,3,高血圧\r\n",
        )
        .unwrap();
        let d = doc.document;
        let names =
            vec!["アムロジピン錠５ｍｇ".to_owned(), "アムロジピン錠５ｍｇ".to_owned(), "メトホルミン".to_owned()];
        let got = suggestions(d.patient.as_ref(), &d.patient_notes, &names);
        let get = |k: &str| got.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("identity.name"), Some("山田　花子"));
        assert_eq!(get("identity.sex"), Some("female"));
        assert_eq!(get("identity.birth_date"), Some("1941-03-09"));
        assert_eq!(get("identity.phone"), Some("082-111-2222"));
        assert_eq!(get("contacts.1.phone"), Some("090-3333-4444"));
        assert_eq!((get("medical.blood_type"), get("medical.blood_rh")), (Some("A"), Some("+")));
        assert_eq!(get("medical.allergy_drug"), Some("ペニシリン\n副作用：ロキソニンで胃痛"));
        assert_eq!(get("medical.history"), Some("高血圧"));
        assert_eq!(get("medical.medicines"), Some("アムロジピン錠５ｍｇ\nメトホルミン"));
    }

    #[test]
    fn values_a_field_would_refuse_are_not_offered() {
        let doc = techo_jahis::parse_str("JAHISTC08,1\r\n1,山田,9,,,,,連絡は長男へ,不明\r\n").unwrap();
        let got = suggestions(doc.document.patient.as_ref(), &[], &[]);
        let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["identity.name"], "no sex code, no phone digits, no blood type");
    }
}
