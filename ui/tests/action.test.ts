// useAction: the shape every screen's button has around its command.
import { describe, expect, it } from "vitest";
import { ref } from "vue";
import { useAction } from "../src/api";

describe("useAction", () => {
  it("is busy while the action runs, then clears the PIN it used", async () => {
    const pin = ref("246810");
    const { busy, error, run } = useAction();
    let release!: () => void;
    const done = run(() => new Promise<void>((r) => (release = r)), pin);
    expect(busy.value).toBe(true);
    expect(pin.value).toBe("246810");
    // A second click while it runs does nothing.
    let again = false;
    expect(await run(async () => { again = true; })).toBe(false);
    expect(again).toBe(false);
    release();
    expect(await done).toBe(true);
    expect(busy.value).toBe(false);
    expect(error.value).toBe("");
    expect(pin.value).toBe("");
  });

  it("shows the shell's Chinese message on failure, clears the PIN too, and forgets the message on the next action", async () => {
    const pin = ref("135799");
    const { busy, error, run } = useAction();
    const ok = await run(async () => {
      throw { code: "wrong_pin", message: "PIN 错误。请重新输入" };
    }, pin);
    expect(ok).toBe(false);
    expect(busy.value).toBe(false);
    expect(error.value).toBe("PIN 错误。请重新输入");
    expect(pin.value).toBe("");
    let seen = "unset";
    await run(async () => {
      seen = error.value;
    });
    expect(seen).toBe("");
  });

  it("leaves a PIN alone when the action did not use it", async () => {
    const pin = ref("246810");
    const { error, run } = useAction();
    expect(await run(async () => {})).toBe(true);
    expect(error.value).toBe("");
    expect(pin.value).toBe("246810");
  });
});
