//! Opening audio and video for real (DA/T 70 3-2): the container must
//! parse and its duration is read (and recorded at collection, 1-3).
//!
//! - MP4, M4A and MOV (ISO base media) with Mozilla's `mp4parse`, the
//!   parser Firefox runs on untrusted media (fallible allocation, every
//!   box bounded): the movie box must parse and hold at least one track,
//!   and every top-level box must end inside the file (a file cut short
//!   loses the end of its `mdat` or its `moov`).
//! - MP3 and WAV with `symphonia`'s format readers: every packet of the
//!   default track is read (not decoded); a WAV whose data chunk promises
//!   more frames than the file holds is cut short.
//!
//! Only the top-level box walk is written here (eight lines of box
//! headers), because `mp4parse` skips what lies past the last box it
//! needs and so does not notice a truncated media-data box.

use std::io::Cursor;

use crate::formats::FormatProblem;

/// What an audio or video file says of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaFacts {
    /// The container, e.g. `MP4`.
    pub kind: &'static str,
    /// Tracks (streams) in it.
    pub tracks: u32,
    /// How long it plays, in milliseconds, when the container says.
    pub duration_ms: Option<u64>,
}

/// Whether `fmt` (a `sniff` format) is opened here.
pub fn handles(fmt: &str) -> bool {
    matches!(fmt, "mp4" | "mp3" | "wav")
}

/// Opens a whole audio or video file of format `fmt` (a `sniff` format).
pub fn check_media(fmt: &str, bytes: &[u8]) -> (Option<MediaFacts>, Vec<FormatProblem>) {
    match fmt {
        "mp4" => check_mp4(bytes),
        "mp3" | "wav" => check_audio(fmt, bytes),
        _ => (None, Vec::new()),
    }
}

/// Walks the top-level boxes: each must end inside the file.
fn boxes_fit(b: &[u8]) -> Result<(), String> {
    let mut at = 0u64;
    let len = b.len() as u64;
    while at + 8 <= len {
        let i = at as usize;
        let size32 = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as u64;
        let name = String::from_utf8_lossy(&b[i + 4..i + 8]).into_owned();
        let size = match size32 {
            0 => len - at, // to the end of the file
            1 if at + 16 <= len => u64::from_be_bytes(b[i + 8..i + 16].try_into().expect("8")),
            1 => return Err(format!("“{name}”盒的长度字段不完整")),
            s => s,
        };
        if size < 8 {
            return Err(format!("“{name}”盒的长度无效（{size} 字节）"));
        }
        if at.saturating_add(size) > len {
            return Err(format!(
                "“{name}”盒声明 {size} 字节，文件只剩 {} 字节，文件被截断",
                len - at
            ));
        }
        at += size;
    }
    Ok(())
}

fn check_mp4(bytes: &[u8]) -> (Option<MediaFacts>, Vec<FormatProblem>) {
    let kind = if bytes.get(8..12) == Some(b"qt  ") {
        "QuickTime"
    } else {
        "MP4"
    };
    let mut v = Vec::new();
    if let Err(e) = boxes_fit(bytes) {
        v.push(FormatProblem::fail(format!(
            "{kind} 文件不完整：{e}，无法完整播放；请重新导出或取得完整的文件"
        )));
        return (None, v);
    }
    let ctx = match mp4parse::read_mp4(&mut Cursor::new(bytes)) {
        Ok(c) => c,
        Err(e) => {
            v.push(FormatProblem::fail(format!(
                "{kind} 容器无法解析（{e:?}），无法播放；请重新导出或转换为通用格式"
            )));
            return (None, v);
        }
    };
    let media: Vec<_> = ctx
        .tracks
        .iter()
        .filter(|t| {
            matches!(
                t.track_type,
                mp4parse::TrackType::Audio | mp4parse::TrackType::Video
            )
        })
        .collect();
    if media.is_empty() {
        v.push(FormatProblem::fail(format!(
            "{kind} 文件中没有音频或视频轨道，没有可播放的内容"
        )));
    }
    let duration_ms = media
        .iter()
        .filter_map(|t| {
            let (d, s) = (t.duration?.0, t.timescale?.0);
            (s > 0).then(|| (d as u128 * 1000 / s as u128).min(u64::MAX as u128) as u64)
        })
        .max();
    if duration_ms.is_none() && !media.is_empty() {
        v.push(FormatProblem::warn(format!(
            "{kind} 文件没有记录时长，无法核对内容是否完整"
        )));
    }
    let facts = MediaFacts {
        kind,
        tracks: media.len() as u32,
        duration_ms,
    };
    (Some(facts), v)
}

fn check_audio(fmt: &str, bytes: &[u8]) -> (Option<MediaFacts>, Vec<FormatProblem>) {
    use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
    use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
    let kind = if fmt == "mp3" { "MP3" } else { "WAV" };
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(bytes.to_vec())),
        MediaSourceStreamOptions::default(),
    );
    let opts = FormatOptions::default();
    let reader: Result<Box<dyn FormatReader>, _> = if fmt == "mp3" {
        symphonia::default::formats::MpaReader::try_new(mss, opts)
            .map(|r| Box::new(r) as Box<dyn FormatReader>)
    } else {
        symphonia::default::formats::WavReader::try_new(mss, opts)
            .map(|r| Box::new(r) as Box<dyn FormatReader>)
    };
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => {
            return (
                None,
                vec![FormatProblem::fail(format!(
                    "{kind} 文件无法解析（{e}），无法播放；请重新导出该录音"
                ))],
            )
        }
    };
    let Some(track) = reader.default_track(TrackType::Audio).cloned() else {
        return (
            None,
            vec![FormatProblem::fail(format!(
                "{kind} 文件中没有音频轨道，没有可播放的内容"
            ))],
        );
    };
    let mut v = Vec::new();
    // Every packet read: a reader error before the end is a damaged file.
    let mut frames: u64 = 0;
    loop {
        match reader.next_packet() {
            Ok(Some(p)) if p.track_id == track.id => frames += p.dur.get(),
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(symphonia::core::errors::Error::IoError(e))
                if e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                break
            }
            Err(e) => {
                v.push(FormatProblem::fail(format!(
                    "{kind} 文件的音频数据已损坏（{e}），无法完整播放"
                )));
                break;
            }
        }
    }
    let declared = track.duration.map(|d| d.get());
    if let Some(d) = declared.filter(|d| frames < *d) {
        v.push(FormatProblem::fail(format!(
            "{kind} 文件不完整：声明 {d} 帧，实有 {frames} 帧，文件被截断，无法完整播放"
        )));
    }
    if frames == 0 && v.is_empty() {
        v.push(FormatProblem::fail(format!(
            "{kind} 文件中没有音频数据，没有可播放的内容"
        )));
    }
    let duration_ms = track
        .time_base
        .and_then(|tb| tb.calc_duration(declared.unwrap_or(frames).into()))
        .map(|t| (t.as_secs_f64() * 1000.0).round() as u64);
    let facts = MediaFacts {
        kind,
        tracks: 1,
        duration_ms,
    };
    (Some(facts), v)
}

pub use guidang_package::metadata::{format_duration, parse_duration};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_that_runs_past_the_end_is_found() {
        let mut b = Vec::new();
        b.extend(16u32.to_be_bytes());
        b.extend(b"ftypisom\0\0\0\0");
        b.extend(1000u32.to_be_bytes());
        b.extend(b"mdat");
        b.extend([0u8; 100]);
        assert!(boxes_fit(&b).unwrap_err().contains("mdat"));
        b[16..20].copy_from_slice(&108u32.to_be_bytes());
        assert!(boxes_fit(&b).is_ok());
        let (facts, v) = check_mp4(&b);
        assert!(facts.is_none() && v[0].is_fail(), "no moov: {v:?}");
    }
}
