//! Full parse into the model of a synthetic 5,000-block history, against CP932 decoding alone
//! of the same bytes in the same run (the ratio says what the parser adds on top of decoding).
//!
//! `cargo bench -p techo-jahis --bench parse`; the ratio and MB/s are printed at the end.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use techo_bench_report::Figure;
use techo_jahis::{decode_cp932, encode_cp932, parse};

/// 5,000 調剤 blocks, each like a real receipt: pharmacy, pharmacist, prescriber, doctor, two
/// RPs with half- and full-width names, supplements, cautions.
fn history() -> Vec<u8> {
    let mut text = String::from(
        "JAHISTC08,2\r\n1,広島 花子,2,19450720,730-0011,広島県広島市中区基町１－１,082-000-0000,,O+,48.5,ヒロシマ ハナコ\r\n2,1,ペニシリン系で発疹,1\r\n",
    );
    for i in 0..5000u32 {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let year = 2025 - i / 336;
        text.push_str(&format!(
            "5,{year:04}{month:02}{day:02},1\r\n\
             11,テスト薬局 本通店{i},34,4,0123456,730-0035,広島県広島市中区本通１－１,082-111-1111,1\r\n\
             15,薬剤 一郎,082-111-1111,1\r\n\
             51,テスト内科クリニック,34,1,7654321,1\r\n\
             55,医師 二郎,内科,1\r\n\
             201,1,アムロジピン錠５ｍｇ「テスト」,1,錠,2,999000001,1\r\n\
             201,1,ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg,2,錠,2,999000002,1\r\n\
             281,1,朝１錠、夕１錠,1\r\n\
             301,1,【１日２回 朝夕食後】,28,日分,1,1,,1\r\n\
             201,2,ロキソプロフェンＮａ錠６０ｍｇ,1,錠,2,999000003,1\r\n\
             301,2,【疼痛時】,10,回分,3,1,,1\r\n\
             391,2,１日３回まで,1\r\n\
             401,めまいが出たら相談してください。,1\r\n"
        ));
    }
    let (bytes, unmappable) = encode_cp932(&text);
    assert!(unmappable.is_empty());
    bytes
}

/// One timed call.
fn once(f: &impl Fn()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn main() {
    let bytes = history();
    let parsed = parse(&bytes).expect("the synthetic history parses");
    assert!(parsed.issues.is_empty());
    assert_eq!(parsed.document.dispensings.len(), 5000);

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("jahis_5000_blocks");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("decode_cp932", |b| b.iter(|| decode_cp932(black_box(&bytes))));
    group.bench_function("parse_to_model", |b| b.iter(|| parse(black_box(&bytes))));
    group.finish();

    // Interleaved, one call each, so both see the same machine load; medians, because other
    // work on a shared machine only ever adds time. Criterion's own report is above.
    let mb = bytes.len() as f64 / 1e6;
    let decode_once = || drop(black_box(decode_cp932(black_box(&bytes))));
    let parse_once = || drop(black_box(parse(black_box(&bytes))));
    let (mut decodes, mut parses) = (Vec::new(), Vec::new());
    for _ in 0..101 {
        decodes.push(once(&decode_once));
        parses.push(once(&parse_once));
    }
    let (decode, full) = (median(decodes).as_secs_f64(), median(parses).as_secs_f64());
    println!(
        "history {:.2} MB, medians of 101: decode {:.0} MB/s, parse into model {:.0} MB/s, parse/decode time ratio {:.2}",
        mb,
        mb / decode,
        mb / full,
        full / decode
    );
    Figure::new("parse", "JAHIS history of 5,000 blocks into the model", full * 1e3, "ms")
        .against("CP932 decoding alone", decode * 1e3)
        .note(format!("{mb:.2} MB, medians of 101"))
        .record();
    c.final_summary();
}
