/**
 * Gate for tests that need an external oracle (asn1c, Erlang).
 *
 * Under CI (`CI=true`) a missing oracle is a failure: `requireOracle` throws,
 * which fails the test file at collection time. Elsewhere the tests are
 * skipped, with a loud warning naming the oracle and why it is missing.
 *
 *   describe.skipIf(!requireOracle("asn1c", asn1cAvailable()))("…", () => { … });
 *
 * or, inside a test, `skipUnlessOracle(ctx, "asn1c", asn1cAvailable())`.
 */

/** What an availability probe reports: a boolean, or a reason the oracle is missing. */
export type Availability = boolean | { readonly ok: boolean; readonly reason?: string };

export class OracleMissingError extends Error {
  constructor(
    readonly oracle: string,
    reason: string,
  ) {
    super(`oracle "${oracle}" is not available (${reason}) and CI=true: failing instead of skipping`);
    this.name = "OracleMissingError";
  }
}

const warned = new Set<string>();

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/**
 * Returns true when the oracle can be used. When it cannot: throws under
 * CI=true, otherwise warns (once per oracle per process) and returns false
 * so the caller skips.
 */
export function requireOracle(name: string, available: Availability): boolean {
  const ok = typeof available === "boolean" ? available : available.ok;
  if (ok) return true;
  const reason = (typeof available === "boolean" ? undefined : available.reason) ?? "not installed";
  if (isCi()) throw new OracleMissingError(name, reason);
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(
      `\n*** SKIPPING tests that need the "${name}" oracle: ${reason}.\n` +
        `*** These conformance checks did NOT run. Install it (see tools/oracles) or run with CI=true to make this a failure.\n`,
    );
  }
  return false;
}

/** In-test form: `ctx.skip()` when the oracle is missing (throws under CI=true). */
export function skipUnlessOracle(ctx: { skip: (note?: string) => void }, name: string, available: Availability): void {
  if (!requireOracle(name, available)) ctx.skip(`oracle "${name}" not available`);
}
