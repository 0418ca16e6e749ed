import { describe, expect, it } from "vitest";
import { array, createAjv, i64, struct, subsection, u64, u8, validateJson, validateState, vmsd, VMSTATE_KEYWORD } from "./index.js";

const timerDesc = vmsd({ name: "hpet_timer", version: 1 }, { tn: u8({ maximum: 2 }), period: u64({ maximum: 1000n }) });
const hpet = vmsd(
  { name: "hpet", version: 2 },
  {
    num_timers: u8({ minimum: 3, maximum: 32 }),
    timer: array(struct(timerDesc), 2),
    offset: i64(),
    sub: subsection(vmsd({ name: "hpet/rtc", version: 1 }, { level: u8() })),
  },
);

const good = {
  num_timers: 3,
  timer: [
    { tn: 0, period: 0n },
    { tn: 1, period: 5n },
  ],
  offset: -1n,
  sub: { level: 1 },
};

describe("validation", () => {
  it("accepts a valid state (strict ajv, x-vmstate keyword known)", () => {
    expect(validateState(hpet, good)).toEqual([]);
    expect(() => createAjv().compile(hpet)).not.toThrow();
    expect(VMSTATE_KEYWORD).toBe("x-vmstate");
  });

  it("rejects an out-of-range value with a message naming device, field and bound", () => {
    const errors = validateState(hpet, {
      ...good,
      timer: [
        { tn: 0, period: 0n },
        { tn: 7, period: 5n },
      ],
    });
    expect(errors).toHaveLength(1);
    const e = errors[0];
    expect(e).toMatchObject({ device: "hpet", field: "timer[1].tn", keyword: "maximum", instancePath: "/timer/1/tn", params: { limit: 2 } });
    expect(e?.message).toBe("hpet: field timer[1].tn must be <= 2");
  });

  it("checks 64-bit bounds (decimal strings in JSON) through the x-vmstate keyword", () => {
    const errors = validateState(hpet, {
      ...good,
      timer: [
        { tn: 0, period: 1001n },
        { tn: 1, period: 5n },
      ],
    });
    expect(errors.map((e) => e.message)).toEqual(["hpet: field timer[0].period must be <= 1000 (maximum)"]);
    const range = validateJson(hpet, {
      ...JSON.parse(JSON.stringify({ ...good, timer: [], offset: 0 }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))),
      timer: [
        { tn: 0, period: "18446744073709551616" },
        { tn: 0, period: "1" },
      ],
      offset: "1",
    });
    expect(range.map((e) => e.message)).toContain("hpet: field timer[0].period must be <= 18446744073709551615 (uint64)");
  });

  it("reports a description's own minimum and missing fields", () => {
    const errors = validateJson(hpet, { num_timers: 2, timer: [{ tn: 0, period: "0" }, { tn: 0 }], offset: "0" });
    expect(errors.map((e) => e.message)).toEqual(["hpet: field num_timers must be >= 3", "hpet: field timer[1].period is missing"]);
  });
});
