import { QberEncodeError } from "@qber/core";

/** Every refusal of compose: an encode error saying what in the description is wrong. */
export function fail(reason: string): never {
  throw new QberEncodeError(`compose: ${reason}`);
}
