# Builds the Windows installer for offline halls:
#   target\release\bundle\nsis\归档通_<version>_x64-setup.exe
# The WebView2 runtime's offline installer is embedded (about 130 MB more),
# so installing needs no network. Building does: the Tauri bundler fetches
# NSIS and the WebView2 offline installer once, on the build machine.
#
# Needs Windows 10/11 with Rust (MSVC toolchain), Node.js 20 and Git.
# Usage, in PowerShell from the checkout:  .\installer\build-nsis.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
Push-Location ui
npm install --no-audit --no-fund
npm run build
Pop-Location
cargo build --release --locked -p guidang-cli
& ui\node_modules\.bin\tauri.cmd build --ci --bundles nsis --config installer\windows\nsis.conf.json
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Get-ChildItem target\release\bundle\nsis\*.exe | ForEach-Object { "built: $($_.FullName)" }
