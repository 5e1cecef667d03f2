#!/usr/bin/env bash
# N LiteTTS replicas on PostgreSQL behind nginx on this machine (docs/deploy.md). Options: --help.
set -euo pipefail
cd "$(dirname "$0")/.."
# The replicas run the build in dist/, as `npm start` does.
[ -f dist/cli.js ] || npx tsc -p tsconfig.json
exec node --import tsx scripts/deploy-local.ts "$@"
