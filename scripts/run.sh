#!/usr/bin/env bash
# Install the runtime dependencies into .venv and start the dashboard (demo data until real data exists).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Word report's charts need a CJK font (the report is still written without charts when none is found).
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-noto-cjk fontconfig \
      >/dev/null; } || echo "未能安装中文字体 fonts-noto-cjk：Word 汇报材料将不含图表（看板照常运行）" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
exec .venv/bin/streamlit run serve.py \
  --server.port "${CIVDASH_PORT:-8501}" --server.address "${CIVDASH_ADDRESS:-0.0.0.0}"
