#!/usr/bin/env bash
# Install the Debian packages the tests and reports need, if any is missing:
# chromium (browser tests), fonts-noto-cjk (Chinese in PDFs and screenshots),
# poppler-utils (pdftotext in report tests), libreoffice-calc-nogui (re-saving
# workbooks as an office user would). Quiet and quick when all are present.
set -euo pipefail
wanted=(chromium fonts-noto-cjk poppler-utils libreoffice-calc-nogui)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ERROR: missing Debian packages: ${missing[*]} (run as root or install them: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
