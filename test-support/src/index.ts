export { prng } from "./prng.js";
export { type FullSection, type WalkResult, findVmdescRecord, walkStream } from "./stream-walk.js";
export { arbitraryState } from "./arbitrary-state.js";
export { qemu72Fixtures, fixturePath, readFixture } from "./fixtures.js";
