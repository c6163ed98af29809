#!/usr/bin/env bash
# Serves the demo site (www/) with dist/ at /optin/ on 127.0.0.1, as a site owner would deploy it:
# brotli/gzip, a year's immutable caching for the files the loader fetches by versioned URL, an
# hour for optin.js, revalidation for pages (scripts/demo-server.mjs; README "Serving dist/").
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8000}
# An older demo copied dist/ into www/optin/; the server now mounts dist/ there itself.
rm -rf www/optin
exec node scripts/demo-server.mjs "$port" www dist
