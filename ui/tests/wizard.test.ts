// The wizard's inline validation, mounted with Element Plus (no shell).
import { describe, expect, it, vi } from "vitest";
import { mount, flushPromises } from "@vue/test-utils";
import ElementPlus from "element-plus";

const calls: [string, unknown][] = [];
vi.mock("@tauri-apps/api/core", () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push([cmd, args]);
    return null;
  }),
}));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

import Wizard from "../src/views/Wizard.vue";

describe("first-run wizard", () => {
  it("shows field errors and does not submit until the unit is valid", async () => {
    const w = mount(Wizard, { global: { plugins: [ElementPlus], stubs: { "transition-group": false, transition: false } } });
    await w.get("#save-unit").trigger("click");
    await flushPromises();
    // Region, fonds, unit name and service centre are marked in error.
    expect(w.findAll(".el-form-item.is-error").length).toBe(4);
    expect(calls.length).toBe(0);
    await w.get("#region").setValue("430124");
    await w.get("#fonds").setValue("0001");
    await w.get("#unit-name").setValue("示范镇人民政府");
    await w.get("#org").setValue("示范镇便民服务中心");
    await w.get("#save-unit").trigger("click");
    await flushPromises();
    expect(calls[0][0]).toBe("init_unit");
    expect(calls[0][1]).toMatchObject({ region: "430124", fonds: "0001", unitName: "示范镇人民政府", role: "hall", suite: "gm" });
    // Step two: the operator.
    await w.get("#op-name").setValue("张三");
    await w.get("#op-pin").setValue("12345");
    await w.get("#op-pin2").setValue("12345");
    await w.get("#save-operator").trigger("click");
    await flushPromises();
    expect(w.findAll(".el-form-item.is-error").length).toBe(1);
    expect(calls.length).toBe(1);
  });
});
