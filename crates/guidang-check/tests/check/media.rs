//! Audio and video opened for real (DA/T 70 3-2, 1-3): files made with
//! ffmpeg (MP4 with MPEG-4 Part 2 video and AAC audio, QuickTime, M4A, MP3
//! with its Xing header, WAV), clean ones raise nothing and report their
//! duration; files cut short fail 3-2-1 naming the file; a recorded
//! duration that the content contradicts fails 1-3-1.

use super::content::{clean, expect, tool, with};
use super::*;

/// Makes `name` with ffmpeg: two seconds of a test picture and/or tone.
fn ffmpeg(dir: &Path, name: &str, video: bool, audio: bool, codecs: &[&str]) -> Vec<u8> {
    let mut args: Vec<&str> = vec!["-loglevel", "error", "-y"];
    if video {
        args.extend([
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=160x120:rate=10",
        ]);
    }
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]);
    }
    args.extend(codecs);
    args.push(name);
    tool(dir, "ffmpeg", &args);
    std::fs::read(dir.join(name)).unwrap()
}

fn duration_of(fmt: &str, b: &[u8]) -> u64 {
    let (facts, problems) = guidang_check::media::check_media(fmt, b);
    assert!(problems.is_empty(), "{problems:?}");
    facts.expect("facts").duration_ms.expect("a duration")
}

#[test]
fn clean_audio_and_video_from_ffmpeg_raise_nothing_and_give_their_duration() {
    let c = Corpus::new();
    let d = c.dir.join("ff");
    std::fs::create_dir_all(&d).unwrap();
    let made = [
        (
            "录像.mp4",
            "mp4",
            ffmpeg(
                &d,
                "录像.mp4",
                true,
                true,
                &["-c:v", "mpeg4", "-c:a", "aac"],
            ),
        ),
        (
            "录像.mov",
            "mp4",
            ffmpeg(&d, "录像.mov", true, false, &["-c:v", "mjpeg"]),
        ),
        (
            "录音.m4a",
            "mp4",
            ffmpeg(&d, "录音.m4a", false, true, &["-c:a", "aac"]),
        ),
        (
            "录音.mp3",
            "mp3",
            ffmpeg(&d, "录音.mp3", false, true, &["-c:a", "libmp3lame"]),
        ),
        (
            "录音.wav",
            "wav",
            ffmpeg(&d, "录音.wav", false, true, &["-c:a", "pcm_s16le"]),
        ),
    ];
    for (i, (name, fmt, data)) in made.iter().enumerate() {
        let ms = duration_of(fmt, data);
        // Two seconds, give or take an encoder's frame of padding.
        assert!((1900..=2200).contains(&ms), "{name}: {ms} ms");
        let p = with(&c, name, data.clone(), fmt, &format!("m{i}"));
        clean(&p, name);
    }
}

#[test]
fn audio_and_video_cut_short_fail_3_2() {
    let c = Corpus::new();
    let d = c.dir.join("cut");
    std::fs::create_dir_all(&d).unwrap();
    let half = |b: Vec<u8>| b[..b.len() / 2].to_vec();
    // moov first (faststart): the media data is what is lost.
    let fast = ffmpeg(
        &d,
        "fast.mp4",
        true,
        true,
        &["-c:v", "mpeg4", "-c:a", "aac", "-movflags", "+faststart"],
    );
    let p = with(&c, "录像.mp4", half(fast), "mp4", "c1");
    expect(&p, "录像.mp4", "3-2-1", Verdict::Fail, "截断");
    // moov last (ffmpeg's default): the index is what is lost.
    let plain = ffmpeg(&d, "plain.mp4", true, false, &["-c:v", "mpeg4"]);
    let p = with(&c, "录像.mp4", half(plain), "mp4", "c2");
    expect(&p, "录像.mp4", "3-2-1", Verdict::Fail, "");
    let wav = ffmpeg(&d, "a.wav", false, true, &["-c:a", "pcm_s16le"]);
    let p = with(&c, "录音.wav", half(wav), "wav", "c3");
    expect(&p, "录音.wav", "3-2-1", Verdict::Fail, "截断");
    let mp3 = ffmpeg(&d, "a.mp3", false, true, &["-c:a", "libmp3lame"]);
    let p = with(&c, "录音.mp3", half(mp3), "mp3", "c4");
    expect(&p, "录音.mp3", "3-2-1", Verdict::Fail, "截断");
    // Not a container at all, named as one.
    let p = with(
        &c,
        "录像.mp4",
        b"\0\0\0\x18ftypisom garbage".to_vec(),
        "mp4",
        "c5",
    );
    expect(&p, "录像.mp4", "3-2-1", Verdict::Fail, "");
}

/// 1-3: the duration recorded at collection is compared with the content.
#[test]
fn a_recorded_duration_the_content_contradicts_fails_1_3() {
    let c = Corpus::new();
    let d = c.dir.join("dur");
    std::fs::create_dir_all(&d).unwrap();
    let wav = ffmpeg(&d, "a.wav", false, true, &["-c:a", "pcm_s16le"]);
    let ms = duration_of("wav", &wav);
    let mut f = c.files.clone();
    f[4] = ("结果性", "录音.wav".into(), wav, "wav");
    let mut input = c.input(&f, "d1");
    input.materials[4].meta.format_version = Some("WAV".into());
    input.materials[4].meta.duration_ms = Some(ms);
    let p = c.check(Stage::Gd, &c.build(&input, "d1"));
    clean(&p, "录音.wav");
    input.materials[4].meta.duration_ms = Some(ms + 60_000);
    let p = c.check(Stage::Gd, &c.build(&input, "d2"));
    expect(&p, "录音.wav", "1-3-1", Verdict::Fail, "时长");
}
