// 归档通 home screen (minimal shell; the full UI is issue 8).
const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

const STATUS = { collected: "已收集", packaged: "已组包", sealed: "已固化", checked: "已检测",
  in_batch: "已组批", transferred: "已移交", returned: "已退回", accepted: "已接收" };
const RETENTION = { Y: "永久", D30: "30年", D10: "10年" };
const $ = (id) => document.getElementById(id);

function showError(e) {
  const el = $("error");
  el.hidden = false;
  el.textContent = e && e.message ? `${e.message}（${e.code}）` : String(e);
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function refresh() {
  try {
    const s = await invoke("summary");
    $("unit").textContent = s.unit
      ? `${s.unit.unit_name}　行政区划码 ${s.unit.region}　全宗号 ${s.unit.fonds}`
      : "尚未初始化";
    const total = s.counts.reduce((n, [, c]) => n + c, 0);
    $("empty").hidden = total > 0;
    const cards = $("cards");
    cards.replaceChildren();
    const add = (label, value, warn) => {
      const d = document.createElement("div");
      d.className = "card" + (warn ? " warn" : "");
      const b = document.createElement("b");
      b.textContent = value;
      d.append(b, label);
      cards.append(d);
    };
    add("办件总数", total);
    for (const [st, n] of s.counts) add(STATUS[st] || st, n);
    add("已逾期", s.overdue, s.overdue > 0);
    add("30天内到期", s.due_soon, s.due_soon > 0);
    const bw = $("backup-warning");
    bw.hidden = !s.backup_overdue;
    bw.textContent = s.last_backup
      ? `上次备份是 ${s.last_backup.slice(0, 10)}，已超过 ${s.backup_interval_days} 天。请插入移动硬盘，在“保管”中备份（或运行 guidang backup --to 移动硬盘）。`
      : "还没有备份过。电脑硬盘损坏会丢失全部档案，请插入移动硬盘，在“保管”中备份（或运行 guidang backup --to 移动硬盘）。";
    await loadCases();
  } catch (e) { showError(e); }
}

async function loadCases() {
  const rows = await invoke("list_cases", { search: $("search").value, limit: 200 });
  const body = $("rows");
  body.replaceChildren();
  for (const c of rows) {
    const tr = document.createElement("tr");
    tr.append(cell(c.case_no), cell(c.efile_no), cell(c.case_name), cell(c.item_name),
      cell(c.completed_at.slice(0, 10)), cell(RETENTION[c.retention] || c.retention), cell(STATUS[c.status] || c.status));
    body.append(tr);
  }
  $("count").textContent = `显示 ${rows.length} 件`;
}

$("search").addEventListener("input", () => loadCases().catch(showError));
$("job-cancel").addEventListener("click", () => invoke("cancel_job"));
$("demo").addEventListener("click", async () => {
  $("demo").disabled = true;
  $("job").hidden = false;
  const un = await listen("job-progress", (ev) => {
    const p = ev.payload;
    $("job-bar").max = Math.max(p.total, 1);
    $("job-bar").value = p.done;
    $("job-text").textContent = `${p.done}/${p.total} ${p.message}`;
  });
  try {
    await invoke("load_demo", { cases: 50 });
  } catch (e) { showError(e); }
  un();
  $("job").hidden = true;
  $("demo").disabled = false;
  await refresh();
});

refresh();
