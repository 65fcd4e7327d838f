//! ISO 9660 images and optical discs through xorriso (libisoburn).
//!
//! Nothing here writes a file system or talks to a drive by hand: xorriso,
//! the Debian-packaged tool of the libburnia project, makes the image
//! (ISO 9660 level 3, so files over 4 GiB are split into extents; Joliet
//! with long names, so Windows and 7-Zip show the Chinese names; Rock
//! Ridge, so Kylin/UOS and libarchive do), burns it in one closed session,
//! and reports where each file's data lies on the image (`report_lba`).
//! This module builds xorriso's command lists, runs it with a bounded
//! output, maps its failures to typed errors, and reads files back from an
//! image or a disc by those extents, hashing them — the read-back that
//! proves a disc before its carrier is recorded.
//!
//! Images are deterministic for the same plan: every date in them is the
//! batch's creation time (`SOURCE_DATE_EPOCH`, `-alter_date_r`), the volume
//! id is made from the batch and carrier number, and the files are mapped
//! in the plan's order.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use guidang_core::{CancelFlag, DigestAlgo};

use crate::disc::SECTOR;

/// What went wrong with an image or a disc.
#[derive(Debug, thiserror::Error)]
pub enum IsoError {
    /// xorriso is not installed.
    #[error("找不到刻录工具 xorriso。请安装 xorriso 软件包（Debian/Kylin/UOS：apt install xorriso）后重试")]
    NoXorriso,
    /// The target drive or file holds data already.
    #[error("目标光盘（或映像文件 {0}）不是空白的：档案光盘须一次刻录、不追加。请换一张空白光盘")]
    NotBlank(String),
    /// No disc in the drive, or the tray is open.
    #[error("驱动器 {0} 中没有光盘，或托盘未关好。请放入空白光盘并关好托盘后重试")]
    NoDisc(String),
    /// The disc is smaller than the carrier.
    #[error("光盘容量不够：本载体需要 {need} 字节，光盘只有 {free} 字节可写。请换用更大的光盘（或规划时选择更小的光盘类型）")]
    TooSmall {
        /// Bytes the carrier needs.
        need: u64,
        /// Bytes the disc offers.
        free: u64,
    },
    /// xorriso failed (its own words, last lines).
    #[error(
        "刻录工具 xorriso 报告失败：{0}。请检查光盘和驱动器后重试；光盘已不是空白盘时须换一张"
    )]
    Failed(String),
    /// Reading the image or disc failed.
    #[error("读取 {path} 失败：{message}")]
    Read {
        /// The image or device.
        path: String,
        /// What failed.
        message: String,
    },
    /// What was read back differs from what was meant to be written.
    #[error("读回校验不通过：{0}。此光盘（或映像）不能作为载体，请换一张空白光盘重新刻录")]
    Verify(String),
    /// Stopped by the user.
    #[error("已取消")]
    Cancelled,
    /// Stopped by the user while burning: the disc is spoilt.
    #[error("刻录已取消，本载体没有登记。光盘上已写入的部分无法擦除，这张光盘不能再用于移交；请换一张空白光盘重新刻录")]
    BurnCancelled,
}

/// Block size of the image's file system (= a disc sector).
pub const BLOCK: u64 = SECTOR;

/// The file to read a medium from: the file of a `stdio:` pseudo-drive,
/// else the device itself.
pub fn device_path(dev: &str) -> PathBuf {
    PathBuf::from(dev.strip_prefix("stdio:").unwrap_or(dev))
}

/// One file to put on an image: where its bytes are, where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// The file on this machine.
    pub source: PathBuf,
    /// Its path in the image, `/`-separated, relative.
    pub path: String,
}

/// How an image is labelled and dated.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// Volume id: at most 16 of `A-Z0-9_`, so that Joliet (16
    /// characters), which Windows shows, keeps it whole.
    pub volume_id: String,
    /// Volume set id: the full batch number and carrier (ASCII).
    pub volume_set: String,
    /// Every date in the image, as seconds since the epoch.
    pub epoch: i64,
}

/// A volume id for carrier `k` of a batch, at most 16 characters (Joliet
/// keeps 16, and Windows shows the Joliet label): `GD`, the batch number's
/// date and sequence (`行政区划码-年月日-序号` without the region, which
/// the volume set id and `说明文件.TXT` carry), `_` and the carrier number.
pub fn volume_id(batch_no: &str, carrier_no: u32) -> String {
    let core = batch_no.split_once('-').map_or(batch_no, |(_, r)| r);
    let alnum: String = core
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let tail = format!("_{carrier_no}");
    let room = 16usize.saturating_sub(2 + tail.len());
    let skip = alnum.chars().count().saturating_sub(room);
    let kept: String = alnum.chars().skip(skip).collect();
    format!("GD{kept}{tail}")
}

/// The volume set id of carrier `k`: `{批次编号} {k}` in ASCII.
pub fn volume_set(batch_no: &str, carrier_no: u32) -> String {
    let b: String = batch_no
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    format!("GUIDANG {b} {carrier_no}")
}

fn xorriso() -> Command {
    let mut c = Command::new("xorriso");
    // No start-up files: the same commands give the same image anywhere.
    c.arg("-no_rc");
    c
}

/// Watches a long xorriso run: `percent` hears the writing phase's
/// progress (0–100, from its `UPDATE : Writing:` lines); the run is
/// killed when `cancel` is set.
pub struct Watch<'a> {
    /// Told each percentage xorriso reports while writing.
    pub percent: &'a dyn Fn(f64),
    /// Stops the run (xorriso is killed).
    pub cancel: &'a CancelFlag,
}

/// The percentage of an xorriso progress line
/// (`xorriso : UPDATE : Writing:   1184s    4.0%   fifo  40%  buf  50%`).
fn writing_percent(line: &str) -> Option<f64> {
    let rest = line.split("Writing:").nth(1)?;
    rest.split_whitespace()
        .find_map(|w| w.strip_suffix('%'))
        .and_then(|p| p.parse().ok())
}

/// Runs xorriso with `args` (file names are passed as arguments, never
/// through a shell), returning its messages; a failure's last lines become
/// [`IsoError::Failed`]. With a [`Watch`], progress is reported as xorriso
/// prints it and a cancel kills it ([`IsoError::Cancelled`]).
fn run(
    args: &[String],
    env: &[(&str, String)],
    watch: Option<&Watch<'_>>,
) -> Result<String, IsoError> {
    use std::io::BufRead;
    let mut c = xorriso();
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => IsoError::NoXorriso,
        _ => IsoError::Failed(e.to_string()),
    })?;
    let mut stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let err_reader = std::thread::spawn(move || {
        let mut r = io::BufReader::new(stderr);
        let mut line = Vec::new();
        // Lines may end in CR (progress) or LF.
        while r.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            for l in String::from_utf8_lossy(&line).split('\r') {
                if tx.send(l.trim_end().to_string()).is_err() {
                    return;
                }
            }
            line.clear();
        }
    });
    let mut err_text = String::new();
    loop {
        if watch.is_some_and(|w| w.cancel.is_cancelled()) {
            let _ = child.kill();
            let _ = child.wait();
            let _ = err_reader.join();
            let _ = out_reader.join();
            return Err(IsoError::Cancelled);
        }
        match rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(l) => {
                if let (Some(w), Some(p)) = (watch, writing_percent(&l)) {
                    (w.percent)(p);
                }
                err_text.push_str(&l);
                err_text.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = err_reader.join();
    let stdout = out_reader.join().unwrap_or_default();
    let status = child.wait().map_err(|e| IsoError::Failed(e.to_string()))?;
    let text = format!("{}{err_text}", String::from_utf8_lossy(&stdout));
    if !status.success() {
        let last: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("FAILURE") || l.contains("SORRY") || l.contains("FATAL"))
            .collect();
        let why = if last.is_empty() {
            text.lines().rev().take(3).collect::<Vec<_>>().join("；")
        } else {
            last.join("；")
        };
        return Err(IsoError::Failed(why));
    }
    Ok(text)
}

/// A pathspec file (`-path_list`): one `target=source` line per file, so
/// that a carrier of tens of thousands of files (unpacked records) never
/// meets the limit on a command line's length. Removed when dropped.
struct PathList(PathBuf);

impl PathList {
    /// Writes the list of `files` to `at`. A name with a line break or a
    /// backslash cannot be listed (no package that verifies holds one).
    fn write(files: &[ImageFile], at: PathBuf) -> Result<PathList, IsoError> {
        // `-pathspecs on`: the first '=' not escaped as `\=` ends the
        // target; the source is taken as it is (measured with xorriso
        // 1.5: a backslash escapes only '=', and only in the target).
        let mut text = String::new();
        for f in files {
            let src = f.source.to_string_lossy();
            if f.path.contains(['\n', '\r', '\\']) || src.contains(['\n', '\r']) {
                return Err(IsoError::Failed(format!(
                    "文件名“{}”含有换行符或反斜杠，不能写入光盘映像",
                    f.path
                )));
            }
            text.push_str(&format!("/{}={src}\n", f.path.replace('=', "\\=")));
        }
        std::fs::write(&at, text).map_err(|e| IsoError::Read {
            path: at.display().to_string(),
            message: guidang_core::oserror::describe(&e),
        })?;
        Ok(PathList(at))
    }
}

impl Drop for PathList {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The xorriso arguments that put the files of `list` on a new image or disc.
fn tree_args(list: &PathList, spec: &ImageSpec) -> Vec<String> {
    let mut a: Vec<String> = [
        "-abort_on",
        "FAILURE",
        "-return_with",
        "SORRY",
        "32",
        "-joliet",
        "on",
        "-rockridge",
        "on",
        "-compliance",
        "iso_9660_level=3:joliet_long_names:joliet_long_paths:no_emul_toc",
        "-volid",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(spec.volume_id.clone());
    a.extend(["-volset_id".into(), spec.volume_set.clone()]);
    a.extend([
        "-pathspecs".into(),
        "on".into(),
        "-path_list".into(),
        list.0.to_string_lossy().into_owned(),
    ]);
    // Every date the same: the image depends on the plan only.
    let date = format!("={}", spec.epoch);
    for t in ["b", "a", "m", "c"] {
        a.extend([
            "-alter_date_r".into(),
            t.into(),
            date.clone(),
            "/".into(),
            "--".into(),
        ]);
    }
    a
}

/// Writes an image of `files` to `out`: made under a temporary name in the
/// same folder, fsynced and renamed, so a file under `out`'s name is always
/// a whole image.
pub fn write_image(
    files: &[ImageFile],
    spec: &ImageSpec,
    out: &Path,
    watch: Option<&Watch<'_>>,
) -> Result<(), IsoError> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = out.with_file_name(format!(".{name}.guidang-part"));
    let _ = std::fs::remove_file(&tmp);
    let mut args = vec![
        "-outdev".to_string(),
        format!("stdio:{}", tmp.display()),
        "-blank".into(),
        "as_needed".into(),
    ];
    let list = PathList::write(
        files,
        out.with_file_name(format!(".{name}.paths.guidang-part")),
    )?;
    args.extend(tree_args(&list, spec));
    args.push("-commit".into());
    let env = [("SOURCE_DATE_EPOCH", spec.epoch.to_string())];
    if let Err(e) = run(&args, &env, watch) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let read_err = |e: io::Error| IsoError::Read {
        path: tmp.display().to_string(),
        message: guidang_core::oserror::describe(&e),
    };
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(read_err)?;
    std::fs::rename(&tmp, out).map_err(read_err)?;
    if let Some(dir) = out.parent() {
        guidang_core::fsutil::sync_dir(dir).map_err(read_err)?;
    }
    Ok(())
}

/// What xorriso says about the medium in a drive (or a `stdio:` file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaStatus {
    /// `is blank`, `is written , is appendable`, `is written , is closed`…
    pub status: String,
    /// Writable bytes left, when known.
    pub free: Option<u64>,
}

impl MediaStatus {
    /// Whether nothing is written on it.
    pub fn is_blank(&self) -> bool {
        self.status.trim() == "is blank"
    }
}

/// Asks xorriso about the medium at `dev` (`/dev/sr0` or `stdio:/path`).
pub fn media_status(dev: &str) -> Result<MediaStatus, IsoError> {
    let text = run(
        &[
            "-outdev".into(),
            dev.into(),
            "-tell_media_space".into(),
            "-toc".into(),
        ],
        &[],
        None,
    )
    .map_err(|e| match e {
        IsoError::Failed(w) if w.contains("no media") || w.contains("No media") => {
            IsoError::NoDisc(dev.into())
        }
        e => e,
    })?;
    let status = text
        .lines()
        .find_map(|l| l.strip_prefix("Media status :"))
        .map(|s| s.trim().to_string())
        .ok_or_else(|| IsoError::NoDisc(dev.into()))?;
    let free = text
        .lines()
        .find_map(|l| l.strip_prefix("Media space  :"))
        .and_then(|s| s.trim().trim_end_matches('s').parse::<u64>().ok())
        .map(|blocks| blocks * SECTOR);
    Ok(MediaStatus { status, free })
}

/// Burns `files` to the blank medium at `dev` in one closed session (no
/// multisession, DA/T 38). Refuses a medium that is not blank or is too
/// small for `need` bytes.
///
/// Cancelling kills xorriso: a real disc is then spoilt (write-once), and
/// the message says so.
pub fn burn(
    files: &[ImageFile],
    spec: &ImageSpec,
    dev: &str,
    need: u64,
    watch: &Watch<'_>,
) -> Result<(), IsoError> {
    let st = media_status(dev)?;
    if !st.is_blank() {
        return Err(IsoError::NotBlank(dev.into()));
    }
    if let Some(free) = st.free.filter(|f| *f < need) {
        return Err(IsoError::TooSmall { need, free });
    }
    let mut args = vec![
        "-outdev".to_string(),
        dev.into(),
        "-close".into(),
        "on".into(),
    ];
    let list = PathList::write(
        files,
        std::env::temp_dir().join(format!("guidang-burn-{}.paths", std::process::id())),
    )?;
    args.extend(tree_args(&list, spec));
    args.push("-commit".into());
    run(
        &args,
        &[("SOURCE_DATE_EPOCH", spec.epoch.to_string())],
        Some(watch),
    )
    .map_err(|e| match e {
        IsoError::Cancelled => IsoError::BurnCancelled,
        e => e,
    })?;
    Ok(())
}

/// Where one file's data lies on an image: its extents in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extents {
    /// Path in the image, relative.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// (first block, blocks) per extent.
    pub runs: Vec<(u64, u64)>,
}

/// Every file of the image or disc at `dev` with its extents, from
/// xorriso's `report_lba` (a file over 4 GiB has several).
pub fn extents(dev: &str) -> Result<Vec<Extents>, IsoError> {
    let text = run(
        &[
            "-indev".into(),
            dev.into(),
            "-find".into(),
            "/".into(),
            "-type".into(),
            "f".into(),
            "-exec".into(),
            "report_lba".into(),
            "--".into(),
        ],
        &[],
        None,
    )?;
    let mut out: Vec<Extents> = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("File data lba:") else {
            continue;
        };
        // ` xt , startlba , blocks , filesize , 'path'`
        let mut parts = rest.splitn(5, ',');
        let mut num = || -> Option<u64> { parts.next()?.trim().parse().ok() };
        let (Some(_xt), Some(lba), Some(blocks), Some(size)) = (num(), num(), num(), num()) else {
            continue;
        };
        let Some(path) = parts.next().map(str::trim) else {
            continue;
        };
        let path = path
            .strip_prefix('\'')
            .and_then(|p| p.strip_suffix('\''))
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_string();
        match out.last_mut() {
            Some(e) if e.path == path => e.runs.push((lba, blocks)),
            _ => out.push(Extents {
                path,
                size,
                runs: vec![(lba, blocks)],
            }),
        }
    }
    Ok(out)
}

/// Reads one file's bytes from the image or device at `image` by its
/// extents, hashing them; the page cache is dropped for the image first,
/// so what is read is what is on the medium. Returns (bytes, digest).
pub fn digest_file(
    image: &Path,
    e: &Extents,
    algo: DigestAlgo,
    cancel: &CancelFlag,
) -> Result<(u64, String), IsoError> {
    let err = |m: io::Error| IsoError::Read {
        path: image.display().to_string(),
        message: guidang_core::oserror::describe(&m),
    };
    let mut f = std::fs::File::open(image).map_err(err)?;
    drop_cache(&f);
    let mut h = algo.hasher();
    let mut left = e.size;
    let mut buf = vec![0u8; 1 << 20];
    for (lba, blocks) in &e.runs {
        let mut in_run = (blocks * SECTOR).min(left);
        f.seek(SeekFrom::Start(lba * SECTOR)).map_err(err)?;
        while in_run > 0 {
            if cancel.is_cancelled() {
                return Err(IsoError::Cancelled);
            }
            let n = (in_run as usize).min(buf.len());
            f.read_exact(&mut buf[..n]).map_err(err)?;
            h.update(&buf[..n]);
            in_run -= n as u64;
            left -= n as u64;
        }
    }
    Ok((e.size - left, h.finish_hex()))
}

fn drop_cache(f: &std::fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the call only advises the kernel.
        unsafe {
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = f;
}

/// Whether the file at `path` is an ISO 9660 image (its primary volume
/// descriptor's `CD001` at byte 32769).
pub fn is_image(path: &Path) -> bool {
    let mut b = [0u8; 6];
    std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(32768))?;
            f.read_exact(&mut b)
        })
        .is_ok()
        && &b[1..6] == b"CD001"
}

/// Copies every file of the image at `image` into the new folder `to`,
/// without mounting it. The image is hostile: before anything is written
/// its listing must add up to no more than the image itself (files whose
/// extents overlap could otherwise make a small image fill the disk), and
/// xorriso restores no device files; links come out as links, which the
/// carrier audit reports and never follows.
pub fn extract(image: &Path, to: &Path) -> Result<(), IsoError> {
    let dev = format!("stdio:{}", image.display());
    let size = std::fs::metadata(image)
        .map_err(|e| IsoError::Read {
            path: image.display().to_string(),
            message: guidang_core::oserror::describe(&e),
        })?
        .len();
    let listed: u64 = extents(&dev)?.iter().map(|e| e.size).sum();
    if listed > size {
        return Err(IsoError::Read {
            path: image.display().to_string(),
            message: format!(
                "映像所列文件共 {listed} 字节，超过映像本身的 {size} 字节（文件数据相互重叠），不是正常的光盘映像"
            ),
        });
    }
    run(
        &[
            "-osirrox".into(),
            "on:auto_chmod_on".into(),
            "-indev".into(),
            dev,
            "-extract".into(),
            "/".into(),
            to.to_string_lossy().into_owned(),
        ],
        &[],
        None,
    )?;
    Ok(())
}

/// The drives xorriso sees, as (device, description) pairs; empty when
/// there are none.
pub fn drives() -> Result<Vec<(String, String)>, IsoError> {
    let mut c = xorriso();
    let out = c
        .args(["-devices"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => IsoError::NoXorriso,
            _ => IsoError::Failed(e.to_string()),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `0  -dev '/dev/sr0' rwrw-- :  'HL-DT-ST' 'DVDRAM GH24NSD1'`
    Ok(text
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once("-dev '")?;
            let (dev, rest) = rest.split_once('\'')?;
            let desc = rest
                .split_once(':')
                .map(|(_, d)| d.replace('\'', "").trim().to_string())
                .unwrap_or_default();
            Some((dev.to_string(), desc))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_progress_is_read_from_xorriso_lines() {
        let l = "xorriso : UPDATE : Writing:       1184s    4.0%   fifo  40%  buf  50%";
        assert_eq!(writing_percent(l), Some(4.0));
        assert_eq!(writing_percent("xorriso : UPDATE : 1 files added"), None);
    }

    #[test]
    fn volume_ids_fit_iso_9660() {
        let v = volume_id("430124-20261205-01", 3);
        assert_eq!(v, "GD2026120501_3");
        let long = volume_id(&"9".repeat(60), 12);
        assert_eq!(long.len(), 16);
        assert!(long.ends_with("_12"));
        assert_eq!(
            volume_set("430124-20261205-01", 3),
            "GUIDANG 430124-20261205-01 3"
        );
        assert!(long
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
    }
}
