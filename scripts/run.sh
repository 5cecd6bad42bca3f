#!/usr/bin/env bash
# Install the runtime dependencies into .venv and start the dashboard (demo data until real data exists).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
exec .venv/bin/streamlit run serve.py \
  --server.port "${CIVDASH_PORT:-8501}" --server.address "${CIVDASH_ADDRESS:-0.0.0.0}"
