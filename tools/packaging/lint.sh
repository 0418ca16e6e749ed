#!/usr/bin/env bash
# publint and "Are the types wrong?" on every published package, as npm would
# pack it (both pinned as devDependencies of the repository root).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=node_modules/.bin

node node_modules/typescript/bin/tsc -b packages/cli
for p in core ram vmstate devices qemu snapshot cli; do
  echo "== @qber/$p"
  (cd "packages/$p" && "../../$bin/publint" --strict && "../../$bin/attw" --pack --config-path ../../tools/packaging/attw.json --format table-flipped .)
done
