/** What every command gets: the registry of plugins and the output streams. */
import type { Registry } from "@qber/core";
import { defaultRegistry } from "@qber/devices";

export interface GlobalOptions {
  readonly quiet?: boolean;
  readonly debug?: boolean;
}

export function registryFor(): Registry {
  return defaultRegistry;
}

/** Writes text to stdout, waiting for it to drain. */
export function print(text: string): Promise<void> {
  return new Promise((ok) => {
    if (process.stdout.write(text)) ok();
    else process.stdout.once("drain", () => ok());
  });
}
