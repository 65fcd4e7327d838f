//! clap's own words in Chinese: the help headings, usage, defaults and
//! possible values of every command, and the usage errors. Parsing is
//! clap's, unchanged; only the texts a user reads are replaced.

use clap::{Arg, CommandFactory, FromArgMatches};

use crate::args::Cli;

/// The parsed command line; `-h`, `-V` and usage errors exit here.
pub(crate) fn parse() -> Cli {
    let matches = command().try_get_matches().unwrap_or_else(|e| exit_with(e));
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit_with(e.format(&mut command())))
}

/// Help and version print as clap renders them (already in Chinese); a
/// usage error is said in Chinese with the usage line and where to find
/// help, on stderr, exit code 2 (as clap's own).
fn exit_with(e: clap::Error) -> ! {
    use clap::error::ErrorKind as K;
    match e.kind() {
        K::DisplayHelp
        | K::DisplayVersion
        | K::DisplayHelpOnMissingArgumentOrSubcommand
        | K::MissingSubcommand => e.exit(),
        _ => {
            eprint!("{}", usage_error(&e));
            std::process::exit(2)
        }
    }
}

/// The Chinese text of a usage error.
pub(crate) fn usage_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind as C, ContextValue as V, ErrorKind as K};
    let text = |k: C| -> Option<String> {
        e.get(k).map(|v| match v {
            V::String(s) => s.clone(),
            V::Strings(v) => v.join("、"),
            V::StyledStr(s) => s.to_string(),
            V::StyledStrs(v) => v
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("、"),
            V::Number(n) => n.to_string(),
            V::Bool(b) => b.to_string(),
            _ => String::new(),
        })
    };
    let arg = text(C::InvalidArg).unwrap_or_default();
    let value = text(C::InvalidValue).unwrap_or_default();
    let mut msg = match e.kind() {
        K::UnknownArgument => format!("无法识别的参数 {arg}"),
        K::InvalidSubcommand => format!(
            "没有“{}”这个命令",
            text(C::InvalidSubcommand).unwrap_or_default()
        ),
        K::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        K::InvalidValue if value.is_empty() => format!("参数 {arg} 需要一个值"),
        K::InvalidValue => format!("参数 {arg} 的值“{value}”不在可选范围内"),
        K::ValueValidation => format!("参数 {arg} 的值“{value}”格式不对"),
        K::ArgumentConflict => match text(C::PriorArg) {
            Some(p) if p != arg => format!("参数 {arg} 不能与 {p} 同时使用"),
            _ => format!("参数 {arg} 只能给一次"),
        },
        K::TooManyValues => format!("参数 {arg} 的值“{value}”多余"),
        K::TooFewValues | K::WrongNumberOfValues => format!("参数 {arg} 的值个数不对"),
        K::NoEquals => format!("参数 {arg} 的值须用 = 连接"),
        K::InvalidUtf8 => "命令行参数含有无效的 UTF-8 字符".into(),
        _ => "命令行参数有误".into(),
    };
    msg = format!("错误：{msg}");
    if let Some(v) = text(C::ValidValue) {
        msg.push_str(&format!("（可选值：{v}）"));
    }
    if let Some(s) = text(C::SuggestedArg).or_else(|| text(C::SuggestedSubcommand)) {
        msg.push_str(&format!("。您是否要用 {s}？"));
    }
    msg.push('\n');
    if let Some(u) = text(C::Usage) {
        let u = u.trim();
        let u = u.strip_prefix("Usage:").unwrap_or(u).trim();
        msg.push_str(&format!("\n用法：{}\n", u.replace("[OPTIONS]", "[选项]")));
    }
    msg.push_str("\n查看帮助请在命令后加 --help\n");
    msg
}

/// The `guidang` command with clap's own words in Chinese in every command:
/// the headings, `[OPTIONS]` and `<COMMAND>` in the usage, defaults and
/// possible values, the help and version flags and the `help` subcommand.
/// Parsing is unchanged: only help texts are replaced.
pub(crate) fn command() -> clap::Command {
    // A flag or command without help fails every debug build (the tests).
    let mut cmd = Cli::command().help_expected(true);
    // Built first, so that clap's help and version flags and `help`
    // subcommands exist, and `--data-dir` is in every subcommand.
    cmd.build();
    in_chinese(&mut cmd);
    cmd
}

fn in_chinese(cmd: &mut clap::Command) {
    let mut c = std::mem::take(cmd)
        .subcommand_value_name("命令")
        // Order-preserving, as a built command's keys index its arguments.
        .mut_args(arg_in_chinese);
    if c.get_name() == "help" {
        c = c.about("显示本帮助或指定命令的帮助");
    }
    let usage = usage_in_chinese(&mut c);
    let template = help_template(&c);
    *cmd = c.override_usage(usage).help_template(template);
    for sub in cmd.get_subcommands_mut() {
        in_chinese(sub);
    }
}

/// The argument's help, with its default and possible values (which clap
/// would add in English) written after it in Chinese.
fn arg_in_chinese(arg: Arg) -> Arg {
    match arg.get_id().as_str() {
        "help" => return arg.help("显示帮助").long_help("显示帮助"),
        "version" => return arg.help("显示版本").long_help("显示版本"),
        _ => {}
    }
    let mut notes = Vec::new();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    // An empty default (an optional text) goes unsaid.
    if arg.get_action().takes_values() && defaults.iter().any(|v| !v.is_empty()) {
        notes.push(format!("[默认：{}]", defaults.join(" ")));
    }
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_help() {
            Some(h) => format!("{}（{h}）", v.get_name()),
            None => v.get_name().to_string(),
        })
        .collect();
    if !possible.is_empty() {
        notes.push(format!("[可选值：{}]", possible.join("、")));
    }
    let arg = arg.hide_default_value(true).hide_possible_values(true);
    if notes.is_empty() {
        return arg;
    }
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    arg.help(format!("{help} {}", notes.join(" ")))
}

/// clap's usage without its “Usage:” title, `[OPTIONS]` in Chinese; styled
/// as clap styles it (the styles are dropped where output is not a terminal).
fn usage_in_chinese(cmd: &mut clap::Command) -> String {
    let reset = cmd.get_styles().get_usage().render_reset().to_string();
    let usage = cmd.render_usage().ansi().to_string();
    let body = usage
        .split_once("Usage:")
        .map_or(usage.as_str(), |(_, b)| b);
    let body = body.strip_prefix(reset.as_str()).unwrap_or(body);
    let body = body.strip_prefix(' ').unwrap_or(body);
    body.replace("[OPTIONS]", "[选项]")
}

/// clap's default help layout with Chinese headings, naming only the
/// sections this command has.
fn help_template(cmd: &clap::Command) -> String {
    let h = cmd.get_styles().get_header();
    let u = cmd.get_styles().get_usage();
    let mut t = format!("{{before-help}}{{about-with-newline}}\n{u}用法：{u:#}{{usage}}");
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        t.push_str(&format!("\n\n{h}命令：{h:#}\n{{subcommands}}"));
    }
    if cmd.get_positionals().any(|a| !a.is_hide_set()) {
        t.push_str(&format!("\n\n{h}参数：{h:#}\n{{positionals}}"));
    }
    if cmd
        .get_arguments()
        .any(|a| !a.is_positional() && !a.is_hide_set())
    {
        t.push_str(&format!("\n\n{h}选项：{h:#}\n{{options}}"));
    }
    t.push_str("{after-help}");
    t
}
