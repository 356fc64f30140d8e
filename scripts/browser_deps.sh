#!/usr/bin/env bash
# What the browser tests need, each checked and installed on its own: Debian's Chromium,
# fonts for every script the portal serves (a machine may have Chromium without them), and
# axe-core from npm (tests/browser/package-lock.json). Never a downloaded browser.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
if [ ! -x /usr/bin/chromium ]; then
  apt_packages+=(chromium)
fi
# Thai, Khmer, Lao and Burmese need their own faces (Noto's core set has all four).
missing_scripts=()
for lang in th km lo my; do
  if ! command -v fc-list >/dev/null || [ -z "$(fc-list ":lang=$lang" family 2>/dev/null)" ]; then
    missing_scripts+=("$lang")
  fi
done
if [ ${#missing_scripts[@]} -gt 0 ]; then
  apt_packages+=(fonts-noto-core fontconfig)
fi

if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${apt_packages[*]} for the browser tests${missing_scripts:+ (no font for: ${missing_scripts[*]})}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "note: missing ${apt_packages[*]}; browser tests will fail or be skipped (apt-get install ${apt_packages[*]})"
  fi
fi

if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  else
    echo "note: npm is missing, the axe-core accessibility tests will be skipped"
  fi
fi
