//! The command line's grammar (clap): commands, flags and their help.
//! Names and flags are a contract with users' scripts.
//!
//! The help is Simplified Chinese (clerks read it): the `///` docs of the
//! commands and flags below are that help, and [`command`] replaces clap's
//! own English words in every command.

mod case;
pub(crate) use case::{CaseAction, MaterialAction};

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub(crate) use crate::chinese::parse;

#[derive(Parser)]
#[command(
    name = "guidang",
    version,
    about = "归档通：政务服务电子文件离线归档与移交"
)]
pub(crate) struct Cli {
    /// 数据目录（默认取环境变量 GUIDANG_DATA_DIR，未设置时为系统的应用数据目录）
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Hall,
    Intake,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SuiteArg {
    Gm,
    Intl,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// 初始化目录库，设置本单位信息
    Init {
        /// 行政区划码（6 位数字）
        #[arg(long)]
        region: String,
        /// 全宗号
        #[arg(long)]
        fonds: String,
        /// 立档单位名称
        #[arg(long)]
        unit: String,
        /// 机构（部门，如便民服务中心）
        #[arg(long)]
        org: Option<String>,
        /// 本单位角色：hall 为移交方（政务服务大厅），intake 为接收方（档案馆）
        #[arg(long, value_enum, default_value = "hall")]
        role: RoleArg,
        /// 密码算法套件：gm 为国密 SM3/SM2，intl 为 SHA-256/Ed25519
        #[arg(long, value_enum, default_value = "gm")]
        suite: SuiteArg,
        /// 以 JSON 格式输出设置
        #[arg(long)]
        json: bool,
    },
    /// 管理经办人
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// 收集办件文件夹、导出目录或 CSV 台账
    Collect {
        /// 办件文件夹、导出目录、case.json 文件或 CSV 台账，可给出多个
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// 已收集或已退回的办件内容有变化时，用新内容替换（更正）
        #[arg(long)]
        replace: bool,
        /// 记入审计日志的经办人
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出报告
        #[arg(long)]
        json: bool,
    },
    /// 列出办件
    Cases {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
        /// 只列出已逾期或 30 天内到期的办件
        #[arg(long)]
        due: bool,
        /// 只列出处于该状态的办件，如 collected（已收集）、packaged（已组包）、sealed（已固化）、checked（已检测）
        #[arg(long)]
        status: Option<String>,
        /// 只列出办件编号、办件名称、申请人或事项名称中含有该文字的办件
        #[arg(long)]
        search: Option<String>,
        /// 最多列出的件数
        #[arg(long)]
        limit: Option<u32>,
    },
    /// 显示一个办件及其材料；更正办件信息、补充和调整材料（整理）
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Case {
        #[command(subcommand)]
        action: Option<CaseAction>,
        /// 办件编号
        #[arg(required = true)]
        case_no: Option<String>,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 生成逼真的示例导出目录并收集
    Demo {
        /// 办件数
        #[arg(long)]
        cases: u32,
        /// 随机种子（相同的种子生成相同的数据）
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 将导出目录保留在此文件夹中
        #[arg(long)]
        out: Option<PathBuf>,
        /// 只生成导出目录，不收集
        #[arg(long, requires = "out")]
        no_collect: bool,
        /// 给第一个办件加一个约为该字节数的 PDF 文件
        #[arg(long, value_name = "BYTES")]
        large_file: Option<u64>,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 概况：本单位、各状态的办件数、到期情况
    Status {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 审计日志
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 组包并固化归档信息包
    Package {
        /// 全部已收集、尚未组包的办件
        #[arg(long, conflicts_with = "cases")]
        all: bool,
        /// 要组包的办件编号
        cases: Vec<String>,
        /// 固化人（经办人），须输入其 PIN
        #[arg(long)]
        operator: String,
        /// 从标准输入读取一行作为 PIN
        #[arg(long)]
        pin_stdin: bool,
        /// 以 JSON 格式输出报告
        #[arg(long)]
        json: bool,
    },
    /// 验证归档信息包：结构、每个文件的摘要、固化签名及签名人
    Verify {
        /// 归档信息包文件、解包形式的包文件夹，或存放归档信息包的文件夹
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// 同时信任该密钥环文件中的公钥（可多次给出）
        #[arg(long)]
        keyring: Vec<PathBuf>,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 四性检测（DA/T 70）：检测归档信息包、文件夹或移交载体
    Check {
        /// 归档信息包、存放归档信息包的文件夹或移交载体
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        paths: Vec<PathBuf>,
        /// 目录库中全部已固化、尚未通过检测的归档信息包
        #[arg(long)]
        all: bool,
        /// 检测环节：gd（归档）或 yj（移交接收）；默认按本单位角色，移交方为 gd，接收方为 yj
        #[arg(long)]
        stage: Option<String>,
        /// 同时信任该密钥环文件中的公钥（可多次给出）
        #[arg(long)]
        keyring: Vec<PathBuf>,
        /// 检测人（与检测结果一同记录）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出每个检测项
        #[arg(long)]
        json: bool,
        /// 同时生成 PDF 检测报告（中文，A4）
        #[arg(long, value_name = "FILE.pdf")]
        report: Option<PathBuf>,
    },
    /// 移交批次
    Batch {
        #[command(subcommand)]
        command: BatchCommand,
    },
    /// 将批次写入移动介质（移交载体）
    Transfer {
        #[command(subcommand)]
        command: TransferCommand,
    },
    /// 将目录库和全部已存文件备份到移动硬盘（增量备份；每块盘可保存多代）
    Backup {
        /// 备份盘（或盘上的文件夹）
        #[arg(long, required_unless_present = "interval_days")]
        to: Option<PathBuf>,
        /// 不备份，只设置备份提醒间隔（天数；未设置时为 30 天）
        #[arg(long, conflicts_with = "to")]
        interval_days: Option<i64>,
        /// 备份人（记录在案）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 从备份重建数据目录（目标目录须为空，或使用 --replace）
    Restore {
        /// 备份盘，或盘上某单位的备份文件夹
        #[arg(long)]
        from: PathBuf,
        /// 要重建的数据目录（默认：--data-dir 指定的目录）
        #[arg(long)]
        to: Option<PathBuf>,
        /// 恢复哪一代备份（默认：最新一代）
        #[arg(long)]
        generation: Option<String>,
        /// 替换非空的数据目录：现有目录不删除，改名为“原名.恢复前-时间”保存
        #[arg(long, conflicts_with = "list")]
        replace: bool,
        /// 用 --replace 替换已设置的目录库时，由该经办人决定（须输入其 PIN）
        #[arg(long, requires = "replace")]
        operator: Option<String>,
        /// 从标准输入读取一行作为 PIN
        #[arg(long, requires = "operator")]
        pin_stdin: bool,
        /// 只列出备份盘上的各代备份，最新的在前
        #[arg(long)]
        list: bool,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 日常检查：核对每个已存文件、固化签名、审计日志链和目录库，并从备份修复；发现损坏（即使已修复）时退出码为 1
    Inspect {
        /// 用于修复的备份（默认：最近一次所做的备份）
        #[arg(long)]
        backup: Option<PathBuf>,
        /// 检查人（记录在案）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出报告
        #[arg(long)]
        json: bool,
    },
    /// 保管期限届满的鉴定与销毁
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// 接收方工作站：打开载体、退回、接收入库
    Intake {
        #[command(subcommand)]
        command: IntakeCommand,
    },
    /// 移交方处理退回：导入接收方的退回文件
    Returns {
        #[command(subcommand)]
        command: ReturnsCommand,
    },
    /// 将批次的表单生成为 PDF
    Print {
        /// 表单：transfer-list 为移交清单（附录 A 表 A.1），catalog 为归档目录清单，register 为移交与接收登记表，labels 为光盘标签（盘面标签和盒标签；后两种在分配载体之后才有）
        #[arg(value_enum)]
        form: FormArg,
        /// 批次编号
        batch_no: String,
        /// 输出的 PDF 文件
        #[arg(short, long)]
        output: PathBuf,
        /// 同时将 PDF 发送到系统打印机（CUPS 的 lp 命令）
        #[arg(long)]
        send: bool,
        /// 发送到哪台打印机（默认：系统默认打印机）
        #[arg(long, requires = "send")]
        printer: Option<String>,
    },
    /// 设置事项或办件的开放利用意见
    OpenOpinion {
        /// 设置该事项的默认意见（事项编码）
        #[arg(long, conflicts_with = "case", required_unless_present = "case")]
        item: Option<String>,
        /// 只设置这一个办件的意见（办件编号）
        #[arg(long)]
        case: Option<String>,
        /// 开放、控制使用或不开放
        #[arg(long)]
        opinion: String,
        /// 理由（意见不是“开放”时必须填写）
        #[arg(long)]
        reason: Option<String>,
        /// 决定人（记入审计日志）
        #[arg(long, default_value = "system")]
        operator: String,
    },
    /// 初始化后更正立档单位名称或服务中心（行政区划码、全宗号、角色和密码算法套件保持初始化时的设置）
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// 扫描仪输出文件夹（桌面程序的办件登记页面会监视该文件夹）
    Scanner {
        #[command(subcommand)]
        command: ScannerCommand,
    },
    /// 本单位的密钥环（各经办人的公钥）
    Keyring {
        #[command(subcommand)]
        command: KeyringCommand,
    },
    /// 性能测试：按现有办件复制扩充目录库，再测量桌面程序办件页面各查询的用时
    #[command(hide = true)]
    BenchCatalog {
        /// 每个办件增加的副本数
        #[arg(long, default_value_t = 0)]
        copies: u32,
    },
    /// 输出文件的摘要（用于性能测试和抽查）
    #[command(hide = true)]
    Digest {
        /// 摘要算法：sm3 或 sha256
        #[arg(long, default_value = "sm3")]
        algo: String,
        /// 文件
        files: Vec<PathBuf>,
    },
}

/// 光盘类型（容量为扣除文件系统开销后的可用容量）.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DiscArg {
    /// CD-R 700 MB
    #[value(name = "cd-r")]
    CdR,
    /// DVD±R 4.7 GB
    Dvd,
    /// DVD+R DL 8.5 GB
    #[value(name = "dvd-dl")]
    DvdDl,
    /// BD-R 25 GB
    #[value(name = "bd-25")]
    Bd25,
    /// BD-R DL 50 GB
    #[value(name = "bd-50")]
    Bd50,
    /// BD-R XL 100 GB
    #[value(name = "bd-100")]
    Bd100,
}

/// 电子档案在载体上的形式.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum LayoutArg {
    /// 每件一个 ZIP 归档信息包（默认）
    Zip,
    /// 每件一个文件夹，不压缩（向综合档案馆移交时）
    Unpacked,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormArg {
    TransferList,
    Catalog,
    Register,
    Labels,
}

#[derive(Subcommand)]
pub(crate) enum RetentionCommand {
    /// 列出保管期限已届满的电子档案，以及能否销毁
    Due {
        /// 按该日期计算（格式 YYYY-MM-DD，默认今天），用于预先安排鉴定
        #[arg(long)]
        as_of: Option<String>,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 经批准后销毁一份电子档案，并记入销毁清册
    Destroy {
        /// 办件编号或电子文件号（接收方为已接收入库的归档信息包的电子文件号）
        case_no: String,
        /// 批准人（必须填写）
        #[arg(long, default_value = "")]
        approved_by: String,
        /// 批准文号（必须填写）
        #[arg(long, default_value = "")]
        approval_doc: String,
        /// 执行销毁的经办人（记录在案；须输入其 PIN）
        #[arg(long)]
        operator: String,
        /// 从标准输入读取一行作为 PIN
        #[arg(long)]
        pin_stdin: bool,
    },
    /// 将销毁清册生成为 PDF
    Register {
        /// 输出的 PDF 文件
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum IntakeCommand {
    /// 打开一个介质或一个批次的全部载体：验证已签名的批次清单和每个载体，并检测每个归档信息包（yj 环节）；全部合格时退出码为 0，有问题时为 1
    Open {
        /// 载体（介质的根文件夹）
        #[arg(required = true)]
        media: Vec<PathBuf>,
        /// 已签字的纸质移交清单上签名人的公钥指纹，或其二维码文字（某单位的第一个批次，或对方更换了密钥时需要）
        #[arg(long)]
        trust: Option<String>,
        /// 打开人（记录在案）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 退回已打开批次中的一个归档信息包，并说明原因
    Return {
        /// 电子文件号
        efile_no: String,
        /// 退回原因（移交方须更正的内容）
        #[arg(long)]
        reason: String,
        /// 批次（默认：最近打开的批次）
        #[arg(long)]
        batch: Option<String>,
        /// 作出决定的人（记录在案）
        #[arg(long, default_value = "system")]
        operator: String,
    },
    /// 接收未退回的归档信息包：入库，并生成接收回执、退回单和已签名的退回文件
    Accept {
        /// 接收全部未退回的归档信息包（尚未决定的不合格包按建议原因退回）
        #[arg(long, required = true)]
        rest: bool,
        /// 接收人（档案人员），由其对退回文件签名
        #[arg(long)]
        operator: String,
        /// 从标准输入读取一行作为 PIN
        #[arg(long)]
        pin_stdin: bool,
        /// 退回文件的保存位置（默认：写到介质上）
        #[arg(long)]
        return_file: Option<PathBuf>,
        /// 批次（默认：最近打开的批次）
        #[arg(long)]
        batch: Option<String>,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 列出已接收入库的归档信息包及其每份材料
    Holdings {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 列出已打开和已接收的批次，以及对每个归档信息包的决定
    Status {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum ReturnsCommand {
    /// 验证退回文件，并标记被退回的办件（移交方）
    Import {
        /// 退回文件（退回清单.json）
        file: PathBuf,
        /// 导入人（记录在案）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 签名档案人员的公钥指纹（64 位十六进制数），或已签字的接收回执、退回单上的二维码文字；首次导入某接收单位的退回文件，或退回文件的签名密钥此前未经确认时需要
        #[arg(long)]
        trust: Option<String>,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum TransferCommand {
    /// 将批次的一个载体写入介质，并逐个文件读回校验；中断后重新运行即可续写；一个载体放不下的批次分为多个载体
    Write {
        /// 批次编号
        batch_no: String,
        /// 介质：其根文件夹（或一个空文件夹）
        #[arg(long)]
        to: PathBuf,
        /// 每个载体的容量（字节；默认取首次写入时介质的可用空间），决定批次如何分为多个载体
        #[arg(long, value_name = "BYTES")]
        carrier_size: Option<u64>,
        /// 写入第几号载体（默认：介质上已有的那一号，否则为第一个尚未写入的载体）
        #[arg(long)]
        carrier: Option<u32>,
        /// 电子档案的形式：zip 每件一个 ZIP 包；unpacked 每件一个不压缩的文件夹（向综合档案馆移交时）。默认：与本批次已开始写入的载体相同，否则为 zip
        #[arg(long, value_name = "FORM")]
        layout: Option<LayoutArg>,
        /// 写入人（记入审计日志）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 为批次的每个载体制作一个光盘映像（ISO 9660 + Joliet + Rock Ridge，中文文件名在 Windows、7-Zip、麒麟/统信上都能显示），并逐个文件读回校验；映像可在别处刻录
    Image {
        /// 批次编号
        batch_no: String,
        /// 光盘类型，决定每个载体的容量
        #[arg(long)]
        disc: DiscArg,
        /// 每个载体的容量（字节；默认为该光盘类型的可用容量）
        #[arg(long, value_name = "BYTES")]
        carrier_size: Option<u64>,
        /// 只制作第几号载体的映像（默认：全部）
        #[arg(long)]
        carrier: Option<u32>,
        /// 电子档案的形式：zip 每件一个 ZIP 包；unpacked 每件一个不压缩的文件夹（向综合档案馆移交时）。默认：与本批次已开始写入的载体相同，否则为 zip
        #[arg(long, value_name = "FORM")]
        layout: Option<LayoutArg>,
        /// 映像存放的文件夹（文件名为 批次编号-载体编号.iso）
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: PathBuf,
        /// 制作人（记入审计日志）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 把批次的一个载体刻录到空白光盘（一次刻录并封盘，不追加），再从光盘逐个文件读回校验，通过后才登记该载体
    Burn {
        /// 批次编号
        batch_no: String,
        /// 刻录机（如 /dev/sr0，见 guidang transfer drives），或 stdio:映像文件路径（刻录为映像文件，用于测试或在别处刻录）
        #[arg(long)]
        device: String,
        /// 光盘类型，决定每个载体的容量
        #[arg(long)]
        disc: DiscArg,
        /// 每个载体的容量（字节；默认为该光盘类型的可用容量）
        #[arg(long, value_name = "BYTES")]
        carrier_size: Option<u64>,
        /// 刻录第几号载体（默认：第一个尚未刻录的载体）
        #[arg(long)]
        carrier: Option<u32>,
        /// 电子档案的形式：zip 每件一个 ZIP 包；unpacked 每件一个不压缩的文件夹（向综合档案馆移交时）。默认：与本批次已开始写入的载体相同，否则为 zip
        #[arg(long, value_name = "FORM")]
        layout: Option<LayoutArg>,
        /// 刻录人（记入审计日志）
        #[arg(long, default_value = "system")]
        operator: String,
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
    /// 按《电子档案移交与接收办法》规定的载体结构重写一个用旧版结构写过载体的批次：旧的载体规划另存，下次写入或刻录时重新规划；旧载体的登记保留
    Relayout {
        /// 批次编号
        batch_no: String,
        /// 经办人（记入审计日志）
        #[arg(long, default_value = "system")]
        operator: String,
    },
    /// 列出本机的刻录机和其中的光盘
    Drives {
        /// 以 JSON 格式输出结果
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum BatchCommand {
    /// 将已通过检测的归档信息包组成新批次并签名
    Create {
        /// 全部已通过归档检测、尚未组批的办件
        #[arg(long, conflicts_with = "cases")]
        all_ready: bool,
        /// 办件编号（这些办件须都已可以组批）
        cases: Vec<String>,
        /// 移交人（经办人），由其对批次清单签名
        #[arg(long)]
        operator: String,
        /// 从标准输入读取一行作为 PIN
        #[arg(long)]
        pin_stdin: bool,
        /// 本批次所更正的批次（再次移交）
        #[arg(long)]
        corrects: Option<String>,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 列出批次
    List {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 显示批次清单（先验证其签名）
    Show {
        /// 批次编号
        batch_no: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum UnitCommand {
    /// 设置立档单位名称和服务中心
    Rename {
        /// 立档单位名称
        #[arg(long)]
        unit: String,
        /// 服务中心（给出空值则清除）
        #[arg(long)]
        org: Option<String>,
        /// 作出更改的人（记入审计日志）
        #[arg(long, default_value = "system")]
        by: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum ScannerCommand {
    /// 设置扫描仪输出文件夹，或用 --clear 清除
    Folder {
        /// 扫描软件保存文件的文件夹
        #[arg(required_unless_present = "clear")]
        path: Option<PathBuf>,
        /// 清除已设置的文件夹
        #[arg(long, conflicts_with = "path")]
        clear: bool,
    },
    /// 列出该文件夹中的文件，最新的在前
    List {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum KeyringCommand {
    /// 将密钥环导出到文件，交给接收档案馆
    Export {
        /// 输出文件
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum OperatorCommand {
    /// 添加经办人（按提示输入 PIN，或从标准输入读取一行）
    Add {
        /// 姓名
        #[arg(long)]
        name: String,
        /// 从标准输入读取一行作为 PIN
        #[arg(long)]
        pin_stdin: bool,
    },
    /// 显示一位经办人
    Show {
        /// 姓名
        name: String,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 列出经办人
    List {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// 重新计算审计日志的哈希链；链条断裂时退出码为 1
    Verify {
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
    /// 显示最近的记录
    Log {
        /// 显示条数
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// 以 JSON 格式输出
        #[arg(long)]
        json: bool,
    },
}
