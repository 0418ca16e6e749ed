/**
 * The repository's QEMU 7.2 captures for the device models' tests. The
 * check of a plugin against a capture is @qber/vmstate/testing's
 * `checkCapture`, the one plugin authors use.
 */
import { readFileSync } from "node:fs";
import type { SectionPlugin } from "@qber/core";
import { descriptionOf } from "@qber/vmstate";
import { type CaptureSection, captureSections } from "@qber/vmstate/testing";
import type { TObject } from "typebox";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixtures + name));
}

/** The device sections of a capture, in stream order. */
export function fixtureSections(fixture: string): CaptureSection[] {
  return captureSections(readFixture(fixture));
}

/** The description a plugin carries; fails the test when it carries none. */
export function describedBy(plugin: SectionPlugin | undefined): TObject {
  const description = plugin && descriptionOf(plugin);
  if (description === undefined) throw new Error(`${plugin?.id ?? "no plugin"}: no description`);
  return description;
}
