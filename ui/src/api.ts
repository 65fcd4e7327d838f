// The only place the front end talks to the shell: Tauri commands and the
// `job-progress` event. Errors arrive as {code, message} with a Chinese message.
import { ref } from "vue";
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

/** The running long job's progress, shown by the shell on every screen. */
export const running = ref<Progress | null>(null);

/** Runs a long job; its progress is shown in the shell (and fed to
 * `onProgress`) while the user may go on working on other screens. */
export async function job<T>(
  cmd: string,
  args: Record<string, unknown>,
  onProgress?: (p: Progress) => void,
): Promise<T> {
  running.value = { done: 0, total: 0, message: "正在开始…" };
  const un: UnlistenFn = await listen<Progress>("job-progress", (ev) => {
    running.value = ev.payload;
    onProgress?.(ev.payload);
  });
  try {
    return await invoke<T>(cmd, args);
  } finally {
    un();
    running.value = null;
  }
}

export function cancelJob(): Promise<boolean> {
  return invoke<boolean>("cancel_job");
}
