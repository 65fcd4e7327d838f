// Generated from src-tauri/src/dto by ts-rs: do not edit.
// Regenerate with `GUIDANG_BLESS=1 cargo test -p guidang-app bindings`.

export type UiError = { code: string, message: string, };

export type JobProgress = { done: number, total: number, message: string, };

export type Verdict = "pass" | "not_checked" | "warn" | "fail";

export type Finding = { item: string, title: string, verdict: Verdict, reason: string | null, entry: string | null, };

export type Summary = { unit: Unit | null, data_dir: string, 
/**
 * (status code, number of cases).
 */
counts: Array<[string, number]>, overdue: number, due_soon: number, failed_checks: number, last_backup: string | null, backup_interval_days: number, backup_overdue: boolean, };

export type Unit = { region: string, fonds: string, unit_name: string, org: string | null, 
/**
 * `hall` or `intake`.
 */
role: string, 
/**
 * `gm` or `intl`.
 */
suite: string, };

export type CaseRow = { case_no: string, efile_no: string, case_name: string, item_name: string, applicant_name: string, completed_at: string, year: number, retention: string, 
/**
 * Status code (`collected`, `sealed`, …).
 */
status: string, materials: number, bytes: number, archive_deadline: string, transfer_deadline: string | null, };

export type CasePage = { rows: Array<CaseRow>, total: number, };

export type CaseField = { key: string, label: string, value: string, 
/**
 * (code, label) choices; empty for free text.
 */
options: Array<[string, string]>, };

export type CaseMaterial = { seq: number, category: string, title: string, original_name: string, size: number, format: string, format_version: string, pages: number | null, duration_ms: number | null, };

export type CaseFinding = { item: string, 
/**
 * `pass`, `warn`, `fail`, `not_checked`.
 */
verdict: string, reason: string | null, entry: string | null, };

export type CaseCheck = { checked_at: string, checked_by: string, verdict: string, opinion: string, 
/**
 * Findings that are not a pass.
 */
findings: Array<CaseFinding>, };

export type CaseView = { row: CaseRow, fields: Array<CaseField>, return_reason: string | null, materials: Array<CaseMaterial>, 
/**
 * The package's path in the data directory, once sealed.
 */
package: string | null, sealed_at: string | null, batch: string | null, check: CaseCheck | null, timeline: Array<AuditEntry>, 
/**
 * Why it cannot be corrected, when it cannot.
 */
not_editable: string | null, };

export type MaterialPreview = { 
/**
 * `data:image/png;base64,…`; empty when there is no picture.
 */
data_url: string, page: number, pages: number | null, note: string | null, };

export type FieldChanged = { field: string, old: string, new: string, };

export type Amended = { efile_no: string, previous_efile_no: string | null, 
/**
 * Status code before (`sealed`, …); it is `collected` now.
 */
previous_status: string, changes: Array<FieldChanged>, superseded_package: string | null, notes: Array<string>, };

export type CaseEdit = { "kind": "set", sets: Array<[string, string]>, } | { "kind": "add", file: string, category: string, title: string | null, } | { "kind": "remove", seq: number, } | { "kind": "move", seq: number, to: number, } | { "kind": "replace", seq: number, file: string, };

export type Operator = { name: string, created_at: string, active: boolean, fingerprint: string | null, };

export type DemoLoaded = { cases: number, files: number, bytes: number, };

export type CollectOutcome = { source: string, case_no: string | null, 
/**
 * `added`, `unchanged`, `replaced`, `rejected` or `conflict`.
 */
outcome: string, efile_no: string | null, 
/**
 * Why it was rejected (every problem).
 */
problems: Array<string>, 
/**
 * What a conflict is and how to resolve it.
 */
message: string | null, notes: Array<string>, };

export type Collected = { cases: Array<CollectOutcome>, added: number, failed: number, };

export type PackageSummary = { sealed: number, failed: number, total: number, };

export type PackageCheck = { package: string, efile_no: string, 
/**
 * The case's 办件编号 and 办件名称, when the catalog has it.
 */
case_no: string | null, case_name: string | null, verdict: Verdict, opinion: string, findings: Array<Finding>, };

export type MatrixRow = { 
/**
 * 真实性 / 完整性 / 可用性 / 安全性.
 */
property: string, 
/**
 * e.g. `GD-1-1`.
 */
item: string, title: string, pass: number, warn: number, fail: number, not_checked: number, };

export type CheckSummary = { 
/**
 * `gd` (archiving) or `yj` (transfer).
 */
stage: string, checked_at: string, packages: Array<PackageCheck>, batch_findings: Array<Finding>, verdict: Verdict, opinion: string, 
/**
 * The four-property matrix (empty when the check was not summarised).
 */
matrix: Array<MatrixRow>, 
/**
 * The PDF report.
 */
report: string, };

export type BatchCreated = { batch_no: string, packages: number, bytes: number, fingerprint: string, 
/**
 * Cases left out (not ready).
 */
left_out: Array<string>, };

export type Batch = { batch_no: string, created_at: string, created_by: string, packages: number, bytes: number, status: string, digest: string, corrects: string | null, };

export type CarrierWritten = { batch_no: string, carrier_no: number, carriers: number, files: number, bytes: number, carrier_digest: string, 
/**
 * Carriers of the batch still to write.
 */
remaining: Array<number>, batch_status: string, };

export type ScannedFile = { path: string, name: string, size: number, modified: string, };

export type ScannerFiles = { folder: string | null, files: Array<ScannedFile>, };

export type ReturnedCase = { case_no: string, efile_no: string, case_name: string, reason: string | null, };

export type PrintJob = { job_id: string | null, printer: string | null, };

export type BackupDone = { dest: string, generation: string, files: number, copied: number, copied_bytes: number, fingerprint: string, };

export type Generation = { generation: string, created_at: string, unit: string, files: number, bytes: number, valid: boolean, };

export type Restored = { generation: string, files: number, bytes: number, 
/**
 * Where the replaced data directory was kept.
 */
kept: string | null, };

export type Damage = { kind: string, path: string | null, problem: string, repaired: boolean, };

export type Inspection = { 
/**
 * `sound`, `repaired` or `damaged`.
 */
verdict: string, materials: number, packages: number, holdings: number, damage: Array<Damage>, report_pdf: string, };

export type DueRow = { case_no: string, efile_no: string, case_name: string, year: number, retention: string, retention_end: string, status: string, destroyable: boolean, why_not: string | null, };

export type Destruction = { case_no: string, efile_no: string, case_name: string, item_name: string, year: number, retention: string, approved_by: string, approval_doc: string, destroyed_at: string, destroyed_by: string, };

export type AuditEntry = { seq: number, at: string, actor: string, action: string, subject: string, detail: string, };

export type AuditProblem = { seq: number, message: string, };

export type AuditCheck = { entries: number, problems: Array<AuditProblem>, };

export type IntakePackage = { seq: number, efile_no: string, case_no: string, case_name: string, verdict: Verdict, opinion: string, findings: Array<Finding>, 
/**
 * A return reason drafted from the findings.
 */
suggested_reason: string | null, 
/**
 * `pending`, `returned` or `accepted`.
 */
decision: string, };

export type IntakeOpened = { batch_no: string, corrects: string | null, 
/**
 * The transferring unit (立档单位).
 */
unit_name: string, transferred_by: string, fingerprint: string, 
/**
 * How the signer's key was trusted (`confirmed`, `stored`…).
 */
trust: string, carriers: number, packages: Array<IntakePackage>, batch_findings: Array<Finding>, verdict: Verdict, passed: number, failed: number, };

export type ReturnedPackage = { seq: number, efile_no: string, case_no: string, case_name: string, reason: string, };

export type Accepted = { batch_no: string, accepted: Array<string>, returned: Array<ReturnedPackage>, receipt_pdf: string, return_slip_pdf: string, return_file: string, 
/**
 * The batch had been received before: nothing new was done.
 */
already_done: boolean, received_at: string | null, };

export type ReturnsImported = { batch_no: string, receiving_unit: string, archivist: string, fingerprint: string, accepted: number, returned: Array<ReturnedPackage>, already_imported: boolean, trust: string, };

export type DiscType = { 
/**
 * `cd-r`, `dvd`, … (sent back with burn and image requests).
 */
code: string, 
/**
 * `DVD±R 4.7 GB`.
 */
label: string, 
/**
 * Bytes one carrier may use on it.
 */
usable: number, };

export type Drive = { device: string, model: string, 
/**
 * None: no disc (or the tray is open).
 */
media: string | null, blank: boolean, free: number | null, };

export type DiscImage = { carrier_no: number, path: string, size: number, carrier_digest: string, };

export type ImagesMade = { batch_no: string, disc_label: string, carriers: number, images: Array<DiscImage>, };

export type DestinationInfo = { exists: boolean, empty: boolean, 
/**
 * On removable media; `null` when it cannot be told.
 */
removable: boolean | null, mount: string | null, };
