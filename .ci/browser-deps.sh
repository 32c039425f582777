#!/usr/bin/env bash
# Headless Chromium for tests/test_browser.py (Debian's package; Playwright drives it through
# executable_path and downloads no browser), with fonts for the English and the Chinese pages
# (fonts-noto-cjk: without it the zh-Hans report shows empty boxes). Outside CI the browser
# tests skip without Chromium; in CI they fail, so a failed install here is a failed run.
set -euo pipefail
packages=(chromium fonts-dejavu-core fonts-noto-cjk)
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for package in fonts-dejavu-core fonts-noto-cjk; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo "sudo")
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v chromium >/dev/null
: "${packages[@]}"
