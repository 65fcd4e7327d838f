//! End-to-end: the real desktop app, built by `cargo xtask test`, opens its
//! window under Xvfb on a catalog filled through the API, and renders its
//! home page (Vue + Element Plus) with the counts the shell returned.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use guidang_api::core::{CancelFlag, NoProgress};
use guidang_api::{Archive, DemoRequest};
use guidang_e2e::{binary, required, show_home, target_dir, Xvfb};

mod installer;

fn prerequisites() -> Option<std::path::PathBuf> {
    let app = binary("guidang-app");
    let tools = ["Xvfb", "xwininfo", "import"].iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    match (app, tools) {
        (Some(a), true) => Some(a),
        (a, t) => {
            let why = format!(
                "app binary built: {}, Xvfb/xwininfo/import installed: {t}",
                a.is_some()
            );
            assert!(
                !required(),
                "end-to-end prerequisites missing ({why}); run `cargo xtask test`"
            );
            eprintln!("skipped: {why} (run `cargo xtask test` to run it)");
            None
        }
    }
}

#[test]
fn app_window_opens_and_renders_on_a_demo_catalog() {
    let Some(app) = prerequisites() else { return };
    let data = tempfile::tempdir().unwrap();
    let mut ar = Archive::open(data.path()).unwrap();
    let req = DemoRequest {
        cases: 20,
        seed: 11,
        out: None,
        no_collect: false,
        large_file: None,
    };
    ar.demo(&req, &NoProgress, &CancelFlag::new()).unwrap();
    drop(ar);

    let x = Xvfb::start().expect("Xvfb starts");
    assert_eq!(x.top_level_windows(), 0);
    let (red, blue, png) = show_home(
        Command::new(&app).arg("--data-dir").arg(data.path()),
        &x,
        "home.png",
        60,
    );
    assert!(
        red > 40_000,
        "the app's page did not render (header pixels: {red}); see {}",
        png.display()
    );
    assert!(
        blue > 2_000,
        "the status chart did not render (bar pixels: {blue}); see {}",
        png.display()
    );
}

/// Confirms the dialog on screen and waits until no dialog, drawer or
/// their overlays are left (a click during their fade-out lands on the
/// overlay, not on the page).
fn confirm(s: &guidang_e2e::webdriver::Session) {
    s.click(".el-message-box__btns .el-button--primary");
    settled(s);
}

/// Waits until no overlay (dialog, drawer) is visible; a drawer still
/// open is closed with its button.
fn settled(s: &guidang_e2e::webdriver::Session) {
    let t = Instant::now();
    while s
        .script(
            "return [...document.querySelectorAll('.el-overlay, .el-overlay-message-box')].some(o => getComputedStyle(o).display !== 'none');",
            serde_json::json!([]),
        )
        .as_bool()
        .unwrap_or(false)
    {
        assert!(t.elapsed() < Duration::from_secs(15), "a dialog or drawer stayed open");
        s.script(
            "document.querySelector('.el-drawer__close-btn')?.click();",
            serde_json::json!([]),
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Fills the first-run wizard: the role (intake or hall), the unit
/// (region, fonds, name; a hall's service centre is named after it), and the
/// first operator with a PIN.
fn wizard(
    s: &guidang_e2e::webdriver::Session,
    intake: bool,
    (region, fonds, unit): (&str, &str, &str),
    (name, pin): (&str, &str),
) {
    if intake {
        s.click("#role label:nth-of-type(2)");
    }
    s.type_into("#region", region);
    s.type_into("#fonds", fonds);
    s.type_into("#unit-name", unit);
    if !intake {
        s.type_into("#org", &unit.replace("人民政府", "便民服务中心"));
    }
    s.click("#save-unit");
    s.type_into("#op-name", name);
    s.type_into("#op-pin", pin);
    s.type_into("#op-pin2", pin);
    s.click("#save-operator");
}

/// The whole hall flow, from the first-run wizard and demo data to a
/// burned disc (an image on the stdio: pseudo-drive), then the intake flow on that image with one returned
/// package, driven through WebDriver in the real windows. Saves screenshots
/// of the main screens.
#[test]
fn hall_and_intake_flows_in_the_real_windows() {
    use guidang_e2e::webdriver::{self, Driver};
    let Some(app) = prerequisites() else { return };
    if !webdriver::available() {
        assert!(
            !required(),
            "tauri-driver or WebKitWebDriver missing; run `cargo xtask test`"
        );
        eprintln!("skipped: tauri-driver or WebKitWebDriver missing");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let hall_dir = tmp.path().join("移交方");
    let intake_dir = tmp.path().join("接收方");
    // The carrier is a CD-R: burned to the `stdio:` pseudo-drive (an image
    // file), the drive a test machine has.
    let disc = tmp.path().join("光盘1.iso");
    let images = tmp.path().join("映像");
    let shots = target_dir().join("e2e-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let x = Xvfb::start().expect("Xvfb starts");

    {
        let printer = std::env::var("GUIDANG_TEST_PRINTER").unwrap_or_default();
        let d = Driver::start(
            &x.display,
            &[
                ("GUIDANG_DATA_DIR", &hall_dir),
                ("PRINTER", std::path::Path::new(&printer)),
            ],
        )
        .unwrap();
        let s = d.session(&app);
        s.wait_text("#wizard", "欢迎使用归档通", 60);
        // Inline validation before anything is saved.
        s.click("#save-unit");
        s.wait_text("#wizard", "行政区划码应为 6 位数字", 10);
        wizard(
            &s,
            false,
            ("430124", "0001", "示范镇人民政府"),
            ("张三", "246810"),
        );
        s.click("#demo");
        s.wait_text("#total", "50", 120);
        // The screens are drawn with the font bundled into the app, not
        // whatever the PC happens to have.
        let t = Instant::now();
        loop {
            let v = s.script(
                "return Array.from(document.fonts).filter(f => f.family.replace(/\"/g, '') === 'Guidang Sans').map(f => f.status).join(',');",
                serde_json::json!([]),
            );
            if v == "loaded" {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(30), "UI font: {v}");
            std::thread::sleep(Duration::from_millis(200));
        }
        x.screenshot(&shots.join("hall-home.png"));
        // 设置: the unit's name is corrected and the scanner's output folder
        // set; a scan dropped there shows up in the case form by itself.
        s.click("[data-view=settings]");
        s.wait_text("#unit", "430124", 20);
        let scans = tmp.path().join("扫描仪");
        std::fs::create_dir_all(&scans).unwrap();
        s.type_into("#scanner-folder input", scans.to_str().unwrap());
        s.click("#save-scanner");
        s.wait_text("#settings-message", "扫描仪输出文件夹", 10);
        s.click("[data-view=collect]");
        s.click("#tab-form");
        s.wait_text("#scans", "还没有扫描件", 10);
        std::fs::write(scans.join("申请表-扫描.pdf"), b"%PDF-1.4\n%scan\n").unwrap();
        s.wait_text("#scans", "申请表-扫描.pdf", 10);
        s.click("#scans .el-table__body tr:first-child button");
        s.wait_text("#case-form", "申请表-扫描.pdf", 10);
        s.wait_text("#scans", "已加入", 10);
        s.click("[data-view=cases]");
        s.wait_text("#pager", "共 50 条", 30);
        x.screenshot(&shots.join("hall-cases.png"));

        // 整理: a row opens the case drawer; a PDF page is rendered inside
        // the window; a field is corrected after a confirmation, audited.
        s.click("#case-table .el-table__body tr:first-child td:nth-child(3)");
        s.wait_text("#case-drawer", "电子文件号", 10);
        s.click("#tab-materials");
        // The tab's pane fades in: the button is clicked once it shows
        // (and again if a click landed during the fade).
        let t = Instant::now();
        let mut clicked = Instant::now() - Duration::from_secs(60);
        while !s.exists("#preview img") {
            if clicked.elapsed() > Duration::from_secs(15) {
                let shown = s
                    .script(
                        "const b = document.querySelector('#drawer-materials .preview-btn'); if (!b || b.offsetParent === null) return false; b.click(); return true;",
                        serde_json::json!([]),
                    )
                    .as_bool()
                    .unwrap_or(false);
                if shown {
                    clicked = Instant::now();
                }
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "no preview: {}",
                s.text("#case-drawer")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let t = Instant::now();
        let width = loop {
            let w = s
                .script(
                    "return document.querySelector('#preview img').naturalWidth;",
                    serde_json::json!([]),
                )
                .as_u64()
                .unwrap_or(0);
            if w > 0 || t.elapsed() > Duration::from_secs(10) {
                break w;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        assert!(width > 300, "the first page was rendered ({width} px wide)");
        x.screenshot(&shots.join("hall-case-drawer.png"));
        s.click("#tab-fields");
        // Emptied the way a user does (WebDriver's clear leaves Vue's model).
        s.script(
            "const e = document.querySelector('input[data-key=case_name]'); e.value = ''; e.dispatchEvent(new Event('input', { bubbles: true }));",
            serde_json::json!([]),
        );
        s.type_into("input[data-key=case_name]", "更正后的办件名称");
        s.type_into("input#drawer-reason", "办件名称录入错误");
        s.click("#save-fields");
        s.click(".el-message-box__btns .el-button--primary");
        s.wait_text("#drawer-message", "已更正：办件名称", 30);
        s.click("#tab-timeline");
        s.wait_text("#drawer-timeline", "更正办件信息", 10);
        s.wait_text("#case-table", "更正后的办件名称", 10);
        settled(&s);
        // 日志 names the correction in Chinese and filters by text.
        s.click("[data-view=log]");
        s.wait_text("#log-table", "更正办件信息", 10);
        s.type_into("input#log-search", "没有这个编号");
        s.wait_text("#log-pager", "共 0 条", 10);

        // 收集: one more case with a large scan, from an export folder (it
        // also makes packaging long enough to keep working meanwhile).
        let export = tmp.path().join("导出");
        {
            let mut ar = Archive::open(&hall_dir).unwrap();
            ar.demo(
                &DemoRequest {
                    cases: 1,
                    seed: 4242,
                    out: Some(export.clone()),
                    no_collect: true,
                    large_file: Some(160 << 20),
                },
                &NoProgress,
                &CancelFlag::new(),
            )
            .unwrap();
        }
        // A material the content check warns about at once (an XML
        // record without a declared encoding): the clerk sees it in the
        // 提示（材料检查） column while the applicant may still be there.
        let case_dir = std::fs::read_dir(&export)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.join("case.json").exists())
            .expect("the demo exported a case folder");
        std::fs::create_dir_all(case_dir.join("证据性材料")).unwrap();
        std::fs::write(
            case_dir.join("证据性材料/核验记录.xml"),
            "<?xml version=\"1.0\"?><核验记录>已核验</核验记录>",
        )
        .unwrap();
        let mut meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case_dir.join("case.json")).unwrap()).unwrap();
        if let Some(list) = meta["materials"].as_array_mut() {
            list.push(serde_json::json!({"category": "证据性", "file": "证据性材料/核验记录.xml"}));
        }
        std::fs::write(case_dir.join("case.json"), meta.to_string()).unwrap();
        s.click("[data-view=collect]");
        s.type_into(".folder input", export.to_str().unwrap());
        s.click("#collect-run");
        s.wait_text("#collect-summary", "新收集 1 件", 120);
        s.wait_text("#collect-table", "没有声明字符编码", 10);
        x.screenshot(&shots.join("hall-collect.png"));
        // A long job runs while the clerk keeps working on another screen.
        // 归档 lists the cases it will seal, all chosen, and asks first.
        s.click("[data-view=archive]");
        s.wait_text("#archive-cases-count", "已选 51 件 / 共 51 件", 20);
        // Enter in the PIN field submits, as the button does.
        s.type_into(".pin input", "246810\u{E007}");
        s.wait_text(".el-message-box", "51 件", 10);
        x.screenshot(&shots.join("hall-archive-confirm.png"));
        confirm(&s);
        s.wait_exists("#job", 10);
        s.click("[data-view=cases]");
        s.type_into("#search", "没有这个办件");
        s.wait_text("#pager", "共 0 条", 10);
        assert!(
            s.exists("#job"),
            "the search answered while packaging was still running"
        );
        let t = Instant::now();
        while s.exists("#job") && t.elapsed() < Duration::from_secs(300) {
            std::thread::sleep(Duration::from_millis(300));
        }
        s.click("[data-view=home]");
        s.wait_text("#chart", "已固化", 30);
        // The step bar says what waits where, and a step opens its screen.
        s.wait_text("#steps", "51 件待检测", 10);
        x.screenshot(&shots.join("hall-home-steps.png"));
        s.click("#steps .el-step:nth-child(3)");
        s.wait_exists("#check-all", 10);
        s.click("[data-view=home]");
        s.wait_text("#chart", "已固化", 30);

        s.click("[data-view=check]");
        s.click("#check-all");
        s.wait_text("#check-opinion", "合格", 300);
        // The report's four-property matrix is on the screen too.
        s.wait_text("#check-matrix", "固化信息有效性", 10);
        x.screenshot(&shots.join("hall-check.png"));
        // The result is still there after leaving the screen and coming back.
        s.click("[data-view=home]");
        s.wait_exists("#steps", 10);
        s.click("[data-view=check]");
        s.wait_text("#check-matrix", "固化信息有效性", 10);

        s.click("[data-view=transfer]");
        s.wait_text("#batch-cases-count", "已选", 20);
        s.type_into(".pin input", "246810");
        s.click("#create-batch");
        s.wait_text(".el-message-box", "组成一个移交批次", 10);
        confirm(&s);
        s.wait_text("#transfer-message", "已组批", 60);
        // The records go unpacked (one folder each), as for a
        // comprehensive archive: the archive below receives folders.
        // A folder that does not exist, on the computer's own disk: the
        // window asks before creating it; cancelling writes nothing.
        let nowhere = tmp.path().join("没有这个文件夹");
        s.type_into("#dest input", nowhere.to_str().unwrap());
        s.click("#write-batch");
        s.wait_text(".el-message-box", "不存在", 10);
        s.click(".el-message-box__btns .el-button--primary");
        s.wait_text(".el-message-box", "不在移动介质上", 10);
        s.click(".el-message-box__btns .el-button:not(.el-button--primary)");
        settled(&s);
        assert!(!nowhere.exists(), "nothing was written after cancel");
        s.click("#layout-unpacked");
        s.click("#kind-disc");
        s.click("#disc-cd-r");
        s.type_into(".image-folder input", images.to_str().unwrap());
        s.click("#export-images");
        s.wait_text("#transfer-message", "光盘映像并逐个文件读回校验", 300);
        s.type_into("#disc-device", &format!("stdio:{}", disc.display()));
        s.click("#burn-disc");
        s.wait_text("#transfer-message", "已刻录并从光盘读回校验", 300);
        s.click("#print-labels");
        s.wait_exists(".print-direct", 20);
        x.screenshot(&shots.join("hall-transfer.png"));
        // 打印: the transfer list goes straight to the system's printer
        // (the CUPS test queue, through PRINTER) when one is set up.
        s.click("#print-transfer-list");
        s.wait_exists(".print-direct", 20);
        assert!(
            std::env::var("GUIDANG_TEST_PRINTER").is_ok() || !required(),
            "no CUPS test queue under the full suite (cargo xtask test sets one up)"
        );
        if std::env::var("GUIDANG_TEST_PRINTER").is_ok() {
            s.click(".print-direct");
            s.wait_text(".printed", "已送往默认打印机", 30);
        }

        // 保管: a backup, then the data restored from it in place; the old
        // data is kept beside it and the screens go on working.
        let drive = tmp.path().join("移动硬盘");
        std::fs::create_dir_all(&drive).unwrap();
        s.click("[data-view=care]");
        s.type_into("#backup-to input", drive.to_str().unwrap());
        s.click("#backup");
        s.wait_text("#care-message", "备份完成", 300);
        s.type_into("#restore-from input", drive.to_str().unwrap());
        s.click("#list-generations");
        s.wait_text("#generations", "示范镇", 20);
        s.type_into("#care .pin input", "246810");
        s.click("#restore");
        s.click(".el-message-box__btns .el-button--primary");
        s.wait_text("#care-message", "原来的数据已改名保存为", 300);
        x.screenshot(&shots.join("hall-care.png"));
        s.click("[data-view=home]");
        s.wait_text("#total", "51", 30);
    }
    // The exported image and the burned disc are the same bytes.
    let exported: Vec<_> = std::fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(exported.len(), 1, "{exported:?}");
    assert_eq!(
        std::fs::read(&exported[0]).unwrap(),
        std::fs::read(&disc).unwrap()
    );
    let listing = std::process::Command::new("bsdtar")
        .arg("-tf")
        .arg(&disc)
        .output()
        .expect("bsdtar (libarchive-tools) is installed by .ci/run");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("/固化信息.xml") && !listing.contains(".zip"),
        "the disc holds the records unpacked:\n{listing}"
    );
    let fingerprint = {
        let ar = Archive::open(&hall_dir).unwrap();
        // Every action of the desktop names the operator at the desk, never
        // a placeholder: checking, writing the carrier, restoring (the
        // backup's own entry went with the catalog the restore replaced).
        let log = ar.audit_log(10_000).unwrap();
        for action in ["check", "transfer_write", "restore"] {
            let e = log.iter().find(|e| e.action == action);
            assert_eq!(
                e.map(|e| e.actor.as_str()),
                Some("张三"),
                "{action} in {:?}",
                log.iter()
                    .map(|e| (&e.action, &e.actor))
                    .collect::<Vec<_>>()
            );
        }
        ar.batches().unwrap()[0].fingerprint.clone()
    };

    {
        let d = Driver::start(&x.display, &[("GUIDANG_DATA_DIR", &intake_dir)]).unwrap();
        let s = d.session(&app);
        s.wait_text("#wizard", "欢迎使用归档通", 60);
        wizard(
            &s,
            true,
            ("430100", "A01", "示范县档案馆"),
            ("李档", "135790"),
        );
        s.click("#start");
        s.click("[data-view=intake]");
        s.type_into(".folder input", disc.to_str().unwrap());
        s.type_into("#trust", &fingerprint);
        s.click("#intake-open");
        s.wait_text("#intake-summary", "51 个合格", 600);
        s.type_into(
            "#intake-table .el-table__body tr:first-child input",
            "申请表扫描件不清晰，请重新扫描",
        );
        s.click("#intake-table .el-table__body tr:first-child button");
        s.wait_text(".el-message-box", "申请表扫描件不清晰", 10);
        confirm(&s);
        s.wait_text("#intake-table .el-table__body tr:first-child", "退回", 20);
        x.screenshot(&shots.join("intake.png"));
        s.type_into(".pin input", "135790");
        s.click("#intake-accept");
        s.wait_text(".el-message-box", "接收入库 50 个包，退回 1 个", 10);
        confirm(&s);
        s.wait_text("#intake-message", "接收入库 50 个，退回 1 个", 600);
    }
    let ar = Archive::open(&intake_dir).unwrap();
    assert_eq!(ar.holdings().unwrap().len(), 50);
    // Read from an image, the carrier cannot take the return file back: it
    // is with the receipt.
    let return_file = std::fs::read_dir(intake_dir.join("receipts"))
        .unwrap()
        .map(|e| e.unwrap().path().join("退回清单.json"))
        .find(|p| p.is_file())
        .expect("the signed return file");

    // Back at the hall: the return file is imported and the case is work to do.
    {
        let d = Driver::start(&x.display, &[("GUIDANG_DATA_DIR", &hall_dir)]).unwrap();
        let s = d.session(&app);
        s.click("[data-view=returns]");
        s.type_into("#return-file", return_file.to_str().unwrap());
        // The first return file from this archive: the archivist's key is
        // asked for, then typed as it stands on the signed receipt.
        s.click("#import-returns");
        s.wait_text(
            "#returns",
            "首次导入退回文件：这份退回文件来自“示范县档案馆”（行政区划码 430100，全宗号 A01）",
            60,
        );
        // What a scanner gun would type: the QR code on the signed receipt,
        // read here from a 150 dpi scan of it.
        let receipts = intake_dir.join("receipts");
        let batch_dir = std::fs::read_dir(&receipts)
            .unwrap()
            .next()
            .expect("a receipt folder")
            .unwrap()
            .path();
        // (every page scanned; the code stands after the list, on the last)
        let scans = tmp.path().join("回执扫描");
        std::fs::create_dir_all(&scans).unwrap();
        let st = Command::new("pdftoppm")
            .args(["-r", "150", "-gray", "-png"])
            .arg(batch_dir.join("接收回执.pdf"))
            .arg(scans.join("页"))
            .status()
            .expect("pdftoppm (poppler-utils)");
        assert!(st.success());
        let qr = std::fs::read_dir(&scans)
            .unwrap()
            .find_map(|p| guidang_api::qr::read_trust_code(&p.unwrap().path()).ok())
            .expect("the receipt's QR code is read from its scan");
        assert!(qr.starts_with("guidang-return/1;"), "{qr}");
        s.type_into("#return-trust", &qr);
        s.click("#import-returns");
        s.wait_text("#returns-message", "退回 1 件", 60);
        s.wait_text("#returns-message", "已按纸质回执确认", 10);
        s.wait_text("#returned-table", "申请表扫描件不清晰", 20);
        x.screenshot(&shots.join("hall-returns.png"));
        // 去更正 opens the case with the archivist's reason beside its fields.
        s.click("#returned-table .go-correct");
        s.wait_text("#drawer-return", "申请表扫描件不清晰", 20);
        s.wait_exists("input[data-key=case_name]", 10);
    }
}
