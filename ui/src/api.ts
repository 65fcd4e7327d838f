// The only place the front end talks to the shell: Tauri commands and the
// `job-progress` event. Errors arrive as {code, message} with a Chinese message.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export interface UiError {
  code: string;
  message: string;
}

export interface Progress {
  done: number;
  total: number;
  message: string;
}

export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UiError).message);
  return String(e);
}

export function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  return invoke<T>(cmd, args);
}

/** Runs a long job, feeding its progress events to `onProgress`. */
export async function job<T>(
  cmd: string,
  args: Record<string, unknown>,
  onProgress: (p: Progress) => void,
): Promise<T> {
  const un: UnlistenFn = await listen<Progress>("job-progress", (ev) => onProgress(ev.payload));
  try {
    return await invoke<T>(cmd, args);
  } finally {
    un();
  }
}

export function cancelJob(): Promise<boolean> {
  return invoke<boolean>("cancel_job");
}
