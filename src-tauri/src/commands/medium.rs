//! Where a carrier is about to be written, so the window can ask before
//! creating a folder or writing a transfer to the computer's own disk.

use crate::dto;

#[tauri::command]
pub async fn destination_info(path: String) -> dto::DestinationInfo {
    guidang_api::core::medium::destination(std::path::Path::new(&path)).into()
}
