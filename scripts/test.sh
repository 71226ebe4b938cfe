#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs the system tools the tests use
# (xmllint, zeep for Python, curl, PHP with SoapClient, a JDK with JAX-WS, Mono, and the independent
# signature checkers openssl and xmlsec1), the npm packages, builds,
# and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libxml2-utils python3-zeep curl php-cli php-soap default-jdk-headless jaxws mono-devel openssl xmlsec1 python3-lxml poppler-utils qpdf libnss3-tools)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm install --no-audit --no-fund --loglevel=error
npx tsc -p tsconfig.json
npx tsc -p tsconfig.test.json   # type-check the tests too (ts-jest only transpiles)
status=0
npx jest --ci --json --outputFile=.jest-results.json "$@" || status=$?
# One plain closing line that any CI can read: "N passed, N failed".
node -e 'const r = require("./.jest-results.json"); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' || true
exit $status
