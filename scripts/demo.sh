#!/usr/bin/env bash
# Serves the demo site (www/) with dist/ mounted at /optin/ on 127.0.0.1, as a site owner would
# deploy it. python3's http.server serves .wasm as application/wasm (streaming compilation).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8000}
rm -rf www/optin
cp -r dist www/optin
echo "optin demo: http://127.0.0.1:${port}/  (privacy statement: http://127.0.0.1:${port}/privacy.html)"
echo "Ctrl+C stops it."
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory www
