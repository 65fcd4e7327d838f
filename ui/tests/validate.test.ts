import { describe, expect, it } from "vitest";
import { bytes, normaliseTrust, operatorProblems, unitProblems } from "../src/validate";

describe("unit form", () => {
  const ok = { role: "hall" as const, region: "430124", fonds: "0001", unitName: "示范镇人民政府", org: "示范镇便民服务中心", suite: "gm" as const };
  it("accepts a valid unit", () => {
    expect(unitProblems(ok)).toEqual({});
  });
  it("names every bad field", () => {
    const p = unitProblems({ ...ok, region: "43012", fonds: "", unitName: "镇", org: "" });
    expect(Object.keys(p).sort()).toEqual(["fonds", "org", "region", "unitName"]);
    expect(p.region).toContain("6 位数字");
  });
  it("does not ask an archive for a service centre", () => {
    expect(unitProblems({ ...ok, role: "intake", org: "" })).toEqual({});
  });
});

describe("operator form", () => {
  it("checks PIN length, repetition and confirmation", () => {
    expect(operatorProblems({ name: "张三", pin: "246810", pin2: "246810" })).toEqual({});
    expect(operatorProblems({ name: "张三", pin: "12345", pin2: "12345" }).pin).toContain("至少 6 位");
    expect(operatorProblems({ name: "张三", pin: "111111", pin2: "111111" }).pin).toContain("同一个数字");
    expect(operatorProblems({ name: "张三", pin: "246810", pin2: "246811" }).pin2).toContain("不一致");
    expect(operatorProblems({ name: "", pin: "246810", pin2: "246810" }).name).toBeDefined();
  });
});

describe("fingerprints and sizes", () => {
  it("normalises a typed fingerprint and keeps QR text", () => {
    const fp = "ab".repeat(32);
    expect(normaliseTrust(fp.toUpperCase().replace(/(.{4})/g, "$1 "))).toBe(fp);
    expect(normaliseTrust("1234")).toBeNull();
    const qr = `guidang-batch/1;batch=x;SM3=y;fingerprint=${fp}`;
    expect(normaliseTrust(qr)).toBe(qr);
  });
  it("prints bytes in Chinese units", () => {
    expect(bytes(7762645)).toBe("7.8 MB");
    expect(bytes(2_500_000_000)).toBe("2.500 GB");
    expect(bytes(12)).toBe("12 字节");
  });
});

import { caseProblems, citizenIdOk, type CaseForm } from "../src/validate";

describe("case form", () => {
  const ok: CaseForm = {
    case_no: "CB-0001", case_name: "王五参保登记", case_kind: "1", item_code: "2000011001",
    item_name: "城乡居民基本养老保险参保登记", item_type: "20", applicant_name: "王五", applicant_type: "1",
    applicant_id_type: "111", applicant_id_no: "11010519491231002X", accepting_unit: "示范镇便民服务中心",
    accepted_at: "2025-05-06 09:00", completed_at: "2025-05-06 09:30", result: "办结", retention: "D30",
  };
  it("accepts a complete case and checks the ID check character", () => {
    expect(caseProblems(ok, 1)).toEqual({});
    expect(citizenIdOk("11010519491231002X")).toBe(true);
    expect(citizenIdOk("110105194912310021")).toBe(false);
  });
  it("names each problem", () => {
    const p = caseProblems({ ...ok, applicant_id_no: "110105194912310021", completed_at: "2025-05-06 08:00", case_no: "a" }, 0);
    expect(Object.keys(p).sort()).toEqual(["applicant_id_no", "case_no", "completed_at", "files"]);
    expect(p.completed_at).toContain("不能早于");
  });
});
