// Results that survive leaving a screen and coming back: the views are
// unmounted when the menu changes, so what a long job produced lives here.
import { ref } from "vue";
import type { CollectOutcome, MatrixRow, PackageCheck } from "./bindings";

/** The last collection run on 收集. */
export const collected = {
  rows: ref<CollectOutcome[]>([]),
  summary: ref(""),
  failed: ref(0),
};

/** The last check on 检测. */
export const checked = {
  checks: ref<PackageCheck[]>([]),
  matrix: ref<MatrixRow[]>([]),
  opinion: ref(""),
  report: ref(""),
};
