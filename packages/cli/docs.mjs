// Ships the repository's docs/*.md with the command: copies them into
// dist/docs/, where `qber help TOPIC` reads them (the package's "files" has
// dist). docs/ at the repository root stays the one copy anyone edits.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";

const from = new URL("../../docs/", import.meta.url);
const to = new URL("./dist/docs/", import.meta.url);
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) if (name.endsWith(".md")) copyFileSync(new URL(name, from), new URL(name, to));
