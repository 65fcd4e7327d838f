// 保管's destruction dialog: nothing is sent until the approval and the PIN
// are given and the destruction is confirmed, and then exactly what was
// typed is.
import { describe, expect, it, vi } from "vitest";
import { mount, flushPromises } from "@vue/test-utils";
import ElementPlus from "element-plus";

const calls: [string, Record<string, unknown>][] = [];
const due = [
  { case_no: "430124-20150301-0001", efile_no: "430124-0001-0500003001-2015-D10-000001", case_name: "个体工商户注册登记", retention_end: "2025-12-31", destroyable: true, why_not: null },
  { case_no: "430124-20150302-0002", efile_no: "430124-0001-0500003001-2015-D10-000002", case_name: "未移交的办件", retention_end: "2025-12-31", destroyable: false, why_not: "尚未移交" },
];
vi.mock("@tauri-apps/api/core", () => ({
  invoke: vi.fn(async (cmd: string, args: Record<string, unknown>) => {
    calls.push([cmd, args]);
    if (cmd === "retention_due") return due;
    if (cmd === "destructions") return [];
    if (cmd === "operators") return [{ name: "张三" }];
    return {};
  }),
}));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

import Care from "../src/views/Care.vue";

describe("保管: destruction", () => {
  it("only destroyable records offer it, and it needs approval and a PIN", async () => {
    const w = mount(Care, { global: { plugins: [ElementPlus], stubs: { transition: false, "transition-group": false } } });
    await flushPromises();
    const rows = w.findAll("#due-table .el-table__body tr");
    expect(rows.length).toBe(2);
    expect(rows[1].text()).toContain("尚未移交");
    expect(rows[1].find("button").exists()).toBe(false);
    await rows[0].get("button").trigger("click");
    await flushPromises();
    const destroy = w.get("#destroy");
    expect(destroy.attributes("disabled")).toBeDefined();
    await w.get("#approved-by").setValue("王局长");
    await w.get("#approval-doc").setValue("示档销〔2026〕3号");
    await flushPromises();
    expect(w.get("#destroy").attributes("disabled")).toBeDefined();
    await w.get(".el-dialog .pin input").setValue("246810");
    await flushPromises();
    expect(w.get("#destroy").attributes("disabled")).toBeUndefined();
    await w.get("#destroy").trigger("click");
    await flushPromises();
    // Asked once more, saying it cannot be undone: nothing sent yet.
    expect(document.body.textContent).toContain("不可恢复");
    expect(calls.find(([c]) => c === "destroy_case")).toBeUndefined();
    (document.querySelector(".el-message-box__btns .el-button--primary") as HTMLElement).click();
    await flushPromises();
    await new Promise((r) => setTimeout(r, 50));
    await flushPromises();
    const sent = calls.find(([c]) => c === "destroy_case");
    expect(sent?.[1]).toEqual({
      caseNo: "430124-0001-0500003001-2015-D10-000001", approvedBy: "王局长", approvalDoc: "示档销〔2026〕3号", operator: "张三", pin: "246810",
    });
  });
});
