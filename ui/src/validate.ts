// Form validation of the desktop app, mirrored from the core's rules so that
// a clerk sees mistakes while typing; the core checks again on submit.

export interface UnitForm {
  role: "hall" | "intake";
  region: string;
  fonds: string;
  unitName: string;
  org: string;
  suite: "gm" | "intl";
}

export interface OperatorForm {
  name: string;
  pin: string;
  pin2: string;
}

/** Problems with the unit settings, by field; empty when valid. */
export function unitProblems(f: UnitForm): Record<string, string> {
  const p: Record<string, string> = {};
  if (!/^\d{6}$/.test(f.region.trim())) p.region = "行政区划码应为 6 位数字，例如 430124";
  if (!/^[0-9A-Za-z]{1,12}$/.test(f.fonds.trim())) p.fonds = "全宗号应为 1 至 12 位字母或数字";
  const n = [...f.unitName.trim()].length;
  if (n < 2 || n > 64) p.unitName = "单位名称应为 2 至 64 个字";
  if (f.role === "hall" && [...f.org.trim()].length < 2) p.org = "请填写便民服务中心（站）名称";
  return p;
}

/** Problems with a new operator, by field; empty when valid. */
export function operatorProblems(f: OperatorForm): Record<string, string> {
  const p: Record<string, string> = {};
  const n = [...f.name.trim()].length;
  if (n < 1 || n > 32 || /[\u0000-\u001f]/.test(f.name)) p.name = "姓名应为 1 至 32 个字";
  if ([...f.pin].length < 6) p.pin = "PIN 至少 6 位";
  else if (/^(\d)\1+$/.test(f.pin)) p.pin = "PIN 不能全是同一个数字";
  if (f.pin2 !== f.pin) p.pin2 = "两次输入的 PIN 不一致";
  return p;
}

/** A fingerprint typed from paper, or the QR text: normalised, or null. */
export function normaliseTrust(s: string): string | null {
  const t = s.trim();
  if (t.includes("fingerprint=")) return t;
  const hex = t.replace(/[^0-9a-fA-F]/g, "").toLowerCase();
  return hex.length === 64 ? hex : null;
}

/** Bytes in Chinese units. */
export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(3)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n} 字节`;
}

export const STATUS: Record<string, string> = {
  collected: "已收集",
  packaged: "已组包",
  sealed: "已固化",
  checked: "已检测",
  in_batch: "已组批",
  transferred: "已移交",
  returned: "已退回",
  accepted: "已接收",
  destroyed: "已销毁",
};

export const RETENTION: Record<string, string> = { Y: "永久", D30: "30年", D10: "10年" };
