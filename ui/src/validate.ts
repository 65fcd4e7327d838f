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

export interface CaseForm {
  case_no: string;
  case_name: string;
  case_kind: string;
  item_code: string;
  item_name: string;
  item_type: string;
  applicant_name: string;
  applicant_type: string;
  applicant_id_type: string;
  applicant_id_no: string;
  accepting_unit: string;
  accepted_at: string;
  completed_at: string;
  result: string;
  retention: string;
}

const TIME = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/;

/** GB 11643 check character of a citizen ID number. */
export function citizenIdOk(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = w.reduce((s, wi, i) => s + wi * Number(id[i]), 0);
  return "10X98765432"[sum % 11] === id[17];
}

/** Problems with a case typed into the form, by field (the core checks
 * everything again, including the USCC check character). */
export function caseProblems(f: CaseForm, files: number): Record<string, string> {
  const p: Record<string, string> = {};
  if (!/^[0-9A-Za-z_-]{4,64}$/.test(f.case_no.trim())) p.case_no = "办件编号应为 4 至 64 位字母、数字、- 或 _";
  if (!f.case_name.trim()) p.case_name = "请填写办件名称";
  if (!/^[0-9A-Za-z]{4,32}$/.test(f.item_code.trim())) p.item_code = "事项编码应为 4 至 32 位字母或数字";
  if (!f.applicant_name.trim()) p.applicant_name = "请填写申请人";
  if (f.applicant_id_type === "111" && !citizenIdOk(f.applicant_id_no.trim().toUpperCase()))
    p.applicant_id_no = "居民身份证号码的位数或校验码不对，请核对";
  else if (!f.applicant_id_no.trim()) p.applicant_id_no = "请填写证件号码";
  if (!f.accepting_unit.trim()) p.accepting_unit = "请填写受理单位";
  if (!TIME.test(f.accepted_at.trim())) p.accepted_at = "时间格式为 2025-03-01 09:30";
  if (!TIME.test(f.completed_at.trim())) p.completed_at = "时间格式为 2025-03-01 09:30";
  else if (!p.accepted_at && f.completed_at.trim() < f.accepted_at.trim()) p.completed_at = "办结时间不能早于受理时间";
  if (!f.result.trim()) p.result = "请填写办理结果";
  if (files === 0) p.files = "至少要有一份材料（结果性材料必不可少）";
  return p;
}

/** Audit actions in Chinese (日志 and a case's 经过). */
export const ACTIONS: Record<string, string> = {
  init: "初始化", operator_add: "新建操作员", unit_rename: "修改单位名称", scanner_folder: "设置扫描文件夹",
  collect: "收集", recollect: "重新收集（更正）", case_edit: "更正办件信息", material_add: "补充材料",
  material_remove: "删除材料", material_move: "调整材料顺序", material_replace: "替换材料",
  seal: "固化", check: "四性检测", set_case_open: "设置开放利用意见", set_item_open: "设置事项开放利用意见",
  batch_create: "组批", transfer_write: "写入载体", transfer_image: "生成光盘映像", transfer_relayout: "重排载体",
  case_returned: "被退回", returns_import: "导入退回文件", receiver_trusted: "信任接收方", sender_trust: "信任移交方",
  intake_open: "打开载体", intake_receive: "接收", intake_accept: "接收入库", intake_return: "退回",
  backup: "备份", backup_key_created: "生成备份密钥", set_backup_interval: "设置备份周期", restore: "从备份恢复",
  inspect: "日常检查", destroy: "销毁", destroy_holding: "销毁馆藏", system: "系统",
};
