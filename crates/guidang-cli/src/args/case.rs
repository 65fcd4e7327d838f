//! Arguments of `guidang case edit` and `guidang case material …` (整理).

use std::path::PathBuf;

use clap::Subcommand;

/// `guidang case edit|material`: 整理 (corrections of a stored case).
#[derive(Subcommand)]
pub(crate) enum CaseAction {
    /// 更正办件信息（字段名同 case.json，如 case_name、applicant.id_no），与收集时同样校验，全部成功或全部不改
    Edit {
        /// 办件编号
        case_no: String,
        /// 要更正的字段和新值，如 --set case_name=新名称，可给出多个
        #[arg(long = "set", value_name = "字段=新值", required = true)]
        set: Vec<String>,
        /// 经办人（记入审计日志）
        #[arg(long)]
        operator: String,
        /// 更正原因（记入审计日志）
        #[arg(long)]
        reason: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 补充、删除、调整顺序或替换材料
    Material {
        #[command(subcommand)]
        action: MaterialAction,
    },
}

/// `guidang case material …`.
#[derive(Subcommand)]
pub(crate) enum MaterialAction {
    /// 补充一份材料（与收集时同样检查）
    Add {
        /// 办件编号
        case_no: String,
        /// 材料文件
        file: PathBuf,
        /// 材料类别：证据性、程序性 或 结果性
        #[arg(long)]
        category: String,
        /// 标准名称（默认为文件名）
        #[arg(long)]
        title: Option<String>,
        /// 经办人（记入审计日志）
        #[arg(long)]
        operator: String,
        /// 补充原因（记入审计日志）
        #[arg(long, default_value = "")]
        reason: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 删除一份材料（其余材料重新编号）
    Remove {
        /// 办件编号
        case_no: String,
        /// 件内顺序号
        seq: u32,
        /// 经办人（记入审计日志）
        #[arg(long)]
        operator: String,
        /// 删除原因（记入审计日志）
        #[arg(long)]
        reason: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 调整材料顺序
    Move {
        /// 办件编号
        case_no: String,
        /// 件内顺序号
        seq: u32,
        /// 新的件内顺序号
        #[arg(long)]
        to: u32,
        /// 经办人（记入审计日志）
        #[arg(long)]
        operator: String,
        /// 调整原因（记入审计日志）
        #[arg(long, default_value = "")]
        reason: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 用新文件替换一份材料（类别和标准名称不变）
    Replace {
        /// 办件编号
        case_no: String,
        /// 件内顺序号
        seq: u32,
        /// 新的材料文件
        file: PathBuf,
        /// 经办人（记入审计日志）
        #[arg(long)]
        operator: String,
        /// 替换原因（记入审计日志）
        #[arg(long, default_value = "")]
        reason: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
}
