// A plugin module as --plugin loads it: a replacement for the built-in
// parallel_isa model (same description, another id), exported twice (named
// and in an array) to show it counts once, beside exports that are not plugins.
import { parallelIsaDescription } from "@qber/devices";
import { definePlugin } from "@qber/vmstate";

export const parallel = definePlugin({ id: "test:parallel_isa", description: parallelIsaDescription });
export default [parallel];
export const description = parallelIsaDescription;
export const version = 1;
