import { defineConfig } from "vitest/config";

const packages = ["core", "ram", "vmstate", "devices", "qemu", "snapshot", "cli"];

// Tests resolve workspace packages to their TypeScript sources (the
// "qber-source" export condition), so `npm test` needs no build step.
const resolve = { conditions: ["qber-source", "import", "node", "default"] };

export default defineConfig({
  test: {
    projects: [
      ...packages.map((name) => ({
        resolve,
        ssr: { resolve: { conditions: ["qber-source"] } },
        test: {
          name,
          root: `packages/${name}`,
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          testTimeout: 60_000,
          // Set-up builds fixtures (imports, big RAM files); on a loaded
          // 2-core machine that outlasts vitest's 10 s default.
          hookTimeout: 300_000,
        },
      })),
      {
        resolve,
        ssr: { resolve: { conditions: ["qber-source"] } },
        test: {
          name: "tools",
          root: "tools",
          include: ["**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
