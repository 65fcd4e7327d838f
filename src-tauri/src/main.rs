//! 归档通 desktop application: a thin Tauri 2 shell. Commands unpack their
//! arguments, call `guidang-api`, and map errors to `{code, message}`; no
//! archiving logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod dto;

use std::path::PathBuf;

/// `--data-dir DIR` on the command line, else `$GUIDANG_DATA_DIR`, else the
/// platform data directory.
fn data_dir() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            if let Some(d) = args.next() {
                return PathBuf::from(d);
            }
        } else if let Some(d) = a.strip_prefix("--data-dir=") {
            return PathBuf::from(d);
        }
    }
    guidang_api::default_data_dir()
}

fn main() {
    tauri::Builder::default()
        .manage(commands::AppState::new(data_dir()))
        .invoke_handler(tauri::generate_handler![
            commands::summary,
            commands::list_cases,
            commands::case::case_view,
            commands::case::material_preview,
            commands::case::amend_case,
            commands::medium::destination_info,
            commands::init_unit,
            commands::add_operator,
            commands::operators,
            commands::load_demo,
            commands::package_all,
            commands::check_all,
            commands::create_batch,
            commands::batches,
            commands::print_form,
            commands::write_batch,
            commands::disc_types,
            commands::drives,
            commands::write_images,
            commands::burn,
            commands::backup,
            commands::inspect,
            commands::retention_due,
            commands::backup_generations,
            commands::print_file,
            commands::unit_settings,
            commands::rename_unit,
            commands::scanner_files,
            commands::set_scanner_folder,
            commands::read_qr_image,
            commands::restore_backup,
            commands::destroy_case,
            commands::destructions,
            commands::print_destruction_register,
            commands::audit_log,
            commands::audit_verify,
            commands::export_keyring,
            commands::intake_open,
            commands::intake_return,
            commands::intake_accept,
            commands::choose_folder,
            commands::choose_file,
            commands::collect,
            commands::collect_form,
            commands::choose_files,
            commands::import_returns,
            commands::returned_cases,
            commands::open_file,
            commands::save_file_as,
            commands::cancel_job,
        ])
        .run(tauri::generate_context!())
        .expect("归档通无法启动");
}
