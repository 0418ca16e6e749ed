/** `qber devices` and `qber schema` end to end. */
import { describe, expect, it } from "vitest";
import { type Run, runCli } from "./run-cli.js";

const qber = (...argv: string[]): Promise<Run> => runCli(argv);

describe("qber devices", () => {
  it("lists the plugins as a table", async () => {
    const r = await qber("devices");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^id\s+versions\s+names$/);
    expect(r.stdout).toMatch(/^@qber\/devices:hpet\s+2\s+hpet$/m);
    expect(r.stdout).toMatch(/^@qber\/devices:cpu\s+11\.\.12\s+cpu$/m);
  });

  it("--json: {devices: [{id, names, minVersion, maxVersion, schema}]}", async () => {
    const r = await qber("devices", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { devices: { id: string }[] };
    expect(doc.devices.find((d) => d.id === "@qber/devices:hpet")).toEqual({
      id: "@qber/devices:hpet",
      names: ["hpet"],
      minVersion: 2,
      maxVersion: 2,
      schema: true,
    });
    expect(doc.devices.length).toBeGreaterThan(30);
  });

  it("usage and help", async () => {
    expect((await qber("devices", "extra")).code).toBe(2);
    const h = await qber("devices", "--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Examples:");
  });
});

describe("qber schema", () => {
  it("prints fields with types and bounds", async () => {
    const r = await qber("schema", "hpet");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("@qber/devices:hpet  sections: hpet  versions: 2");
    expect(r.stdout).toMatch(/^ {2}num_timers\?\s+uint8 {2}3\.\.32 {2}since v2$/m);
    expect(r.stdout).toMatch(/^ {4}tn\s+uint8 {2}\.\.31$/m);
  });

  it("--json prints the JSON Schema, by plugin id, short id or section name", async () => {
    const byId = await qber("schema", "@qber/devices:ps2kbd", "--json");
    expect(byId.code).toBe(0);
    const schema = JSON.parse(byId.stdout);
    expect(schema.type).toBe("object");
    expect(schema.properties.parent_obj.properties.count).toMatchObject({ type: "integer", minimum: 0, maximum: 24 });
    expect((await qber("schema", "ps2kbd", "--json")).stdout).toBe(byId.stdout);
    const hpet = JSON.parse((await qber("schema", "hpet", "--json")).stdout);
    expect(hpet.properties.num_timers["x-vmstate"]).toMatchObject({ minimum: "3", maximum: "32" });
    const ide = await qber("schema", "0000:00:01.1/ide", "--json");
    expect(ide.code, ide.stderr).toBe(0);
    expect(JSON.parse(ide.stdout).type).toBe("object");
  });

  it("unknown device, missing argument: exit 2", async () => {
    const r = await qber("schema", "nonesuch");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('qber: unknown device "nonesuch" (qber devices lists them)\n');
    expect((await qber("schema")).code).toBe(2);
    const h = await qber("schema", "--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Examples:");
  });
});
