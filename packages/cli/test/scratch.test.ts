import { test } from "vitest";
import { encodeValue } from "@qber/core";
import { deviceDescriptions, devicesRegistry } from "@qber/devices";
test("x", () => {
const h = (b: Uint8Array) => Buffer.from(b).toString("hex");
console.log(h(encodeValue("RAMPage", { kind: "compr", addr: 0x1000n })));
console.log(h(encodeValue("RAMPage", { kind: "fullpage", addr: 0x1000n, data: new Uint8Array(4096) })).slice(0,20));
console.log(h(encodeValue("RAMPage", { kind: "xbzrle", addr: 0x1000n, data: new Uint8Array(4096) })).slice(0,20));
console.log(h(encodeValue("RAMPage", { kind: "hook" })));
console.log(h(encodeValue("SecMin", { kind: "min", sectionId: 2n, contents: { kind: "ramsec", value: [{ name: "a", pages: [] }] } })));
console.log(h(encodeValue("QemuFile", { version: 3n, top: [] })));
console.log(JSON.stringify(deviceDescriptions["@qber/devices:hpet"], (k, v) => typeof v === "bigint" ? `BIG${v}` : v).slice(0, 1500));
console.log(devicesRegistry.plugins.length, Object.keys(deviceDescriptions).length, devicesRegistry.plugins.filter(p=>!deviceDescriptions[p.id]).map(p=>p.id));
});
