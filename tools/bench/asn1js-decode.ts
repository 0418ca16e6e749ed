/** Child process of the core benchmark: asn1js's fromBER over a file held in memory. */
import { readFileSync } from "node:fs";
import { fromBER } from "asn1js";
import { peakRssBytes } from "./types.js";

const path = process.argv[2];
if (!path) throw new Error("usage: asn1js-decode FILE");
const bytes = readFileSync(path);
const t = performance.now();
const r = fromBER(bytes, { maxDepth: 1000, maxNodes: Number.MAX_SAFE_INTEGER, maxContentLength: Number.MAX_SAFE_INTEGER });
const ms = performance.now() - t;
console.log(JSON.stringify({ ms, ok: r.offset !== -1, maxRssBytes: peakRssBytes() }));
