#!/usr/bin/env bash
# What the tests need beyond npm packages, on a Debian or Ubuntu machine: Chromium and the
# pieces code-server builds with (for the end-to-end tests in the real VS Code), debugpy (for
# the Python debugging tests), then code-server itself into a cache folder. Idempotent: quick
# when everything is there. `npm run setup` runs it; so does .ci/run. With --studio (what
# `npm start` runs first) only what the studio needs: code-server and what it builds with.
set -euo pipefail
cd "$(dirname "$0")/.."
studio=false
[ "${1:-}" = "--studio" ] && studio=true

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: $* needs root; run it as root or install sudo" >&2
    exit 1
  fi
}

# code-server's native modules build with python3, make, g++ and libkrb5-dev; ripgrep stands in
# for the search binary it would download; python3-debugpy serves Debian's python3.
packages=(python3 chromium ripgrep make g++ libkrb5-dev python3-debugpy)
$studio && packages=(python3 ripgrep make g++ libkrb5-dev)
missing=()
if command -v dpkg-query >/dev/null; then
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
else
  echo "setup: not a Debian or Ubuntu machine; install ${packages[*]} yourself if they are missing"
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if $studio; then
  # The studio installs code-server itself, into the same cache folder.
  exit 0
fi
python3 --version
echo "$(chromium --version 2>/dev/null | head -n 1), $(rg --version 2>/dev/null | head -n 1)"
# A python3 of its own (pyenv, say) gets debugpy from pip.
if ! python3 -c 'import debugpy' 2>/dev/null; then
  echo "setup: pip install debugpy (for $(command -v python3))"
  python3 -m pip install --retries 0 --quiet debugpy
fi
python3 -c 'import debugpy; print("debugpy", debugpy.__version__)'

# code-server into its cache folder (~/.cache/timber-studio); needs the npm packages (tsx).
[ -d node_modules ] || npm install --no-audit --no-fund
npm run e2e:install
