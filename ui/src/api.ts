// The only place the front end talks to the shell: Tauri commands and the
// `job-progress` event. Errors arrive as {code, message} with a Chinese message.
import { ref, watch, type Ref } from "vue";
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { JobProgress, UiError } from "./bindings";

export type { UiError };
/** A long job's progress (the `job-progress` event). */
export type Progress = JobProgress;

export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UiError).message);
  return String(e);
}

export function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  return invoke<T>(cmd, args);
}

const OPERATOR_KEY = "guidang.operator";
/** The operator at the desk, chosen in the window's top bar and remembered:
 * named as the actor in the audit log of every action that asks no PIN. */
export const deskOperator = ref<string>(localStorage.getItem(OPERATOR_KEY) ?? "");
watch(deskOperator, (v) => localStorage.setItem(OPERATOR_KEY, v));

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

/** What every screen's button does around its command: `busy` while it
 * runs (buttons show a spinner and a second click does nothing), the error
 * in Chinese in `error` (cleared when the next action starts), and, for an
 * action that used a PIN, that PIN field emptied afterwards whatever
 * happened, so it never lingers on screen. `run` resolves to whether the
 * action succeeded (false also when another action is still running). */
export function useAction() {
  const busy = ref(false);
  const error = ref("");
  async function run(action: () => Promise<void>, pin?: Ref<string>): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    error.value = "";
    try {
      await action();
      return true;
    } catch (e) {
      error.value = errorText(e);
      return false;
    } finally {
      busy.value = false;
      if (pin) pin.value = "";
    }
  }
  return { busy, error, run };
}
