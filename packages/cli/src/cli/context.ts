/** What every command gets: the registry of plugins and the output streams. */
import { type Registry, type SectionPlugin, createRegistry } from "@qber/core";
import { defaultRegistry } from "@qber/devices";

export interface GlobalOptions {
  readonly quiet?: boolean;
  readonly debug?: boolean;
}

let registry: Registry = defaultRegistry;

/**
 * The plugins loaded for this run (--plugin, QBER_PLUGINS), after the
 * default registry: later wins, so they can replace a built-in model. Set
 * before every command runs, so each run starts from the defaults.
 */
export function usePlugins(plugins: readonly SectionPlugin[]): void {
  registry = plugins.length === 0 ? defaultRegistry : createRegistry(defaultRegistry, ...plugins);
}

/** The registry every command decodes and encodes with. */
export function registryFor(): Registry {
  return registry;
}

/** Writes text to stdout, waiting for it to drain. */
export function print(text: string): Promise<void> {
  return new Promise((ok) => {
    if (process.stdout.write(text)) ok();
    else process.stdout.once("drain", () => ok());
  });
}
