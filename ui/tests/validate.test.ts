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
