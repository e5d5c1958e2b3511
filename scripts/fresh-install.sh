#!/usr/bin/env bash
# What `npx esp-prov` users get: pack the package, check that the tarball carries the docs the CLI points to
# and no script that would run (or build) at install, install it into an empty folder with install scripts
# disabled and no compiler on PATH, then run --help, a simulator + SoftAP provisioning against it, and
# --transport ble, which must fail with the documented "BLE unavailable" error (exit 3), not crash.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== pack"
(cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/esp-prov-*.tgz)"
echo "   $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

echo "== tarball contents"
mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
for f in package/docs/cli.md package/dist/cli/main.js package/bin/esp-prov.js; do
  [ -f "$work/unpacked/$f" ] || { echo "missing from the tarball: ${f#package/}"; exit 1; }
done
# A registry or tarball install must not build anything: dist/ is in the tarball, and no lifecycle script that
# npm runs on the user's side (preinstall, install, postinstall; prepare for git/folder installs) is declared.
node -e '
  const s = require(process.argv[1]).scripts ?? {};
  const found = ["preinstall", "install", "postinstall", "prepare"].filter((k) => k in s);
  if (found.length) { console.error("install-time scripts in the tarball: " + found.join(", ")); process.exit(1); }
' "$work/unpacked/package/package.json"
echo "   docs/cli.md shipped; no install-time scripts"

# Shadow every compiler and build tool with a stub that fails, as on a machine without a toolchain.
mkdir -p "$work/nocc" "$work/app"
for tool in cc gcc g++ c++ clang make python python3 node-gyp; do
  printf '#!/bin/sh\necho "%s: not available on this machine" >&2\nexit 127\n' "$tool" >"$work/nocc/$tool"
  chmod +x "$work/nocc/$tool"
done
export PATH="$work/nocc:$PATH"

echo "== install (no install scripts, no compiler)"
cd "$work/app"
npm init -y >/dev/null
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
bin="$work/app/node_modules/.bin/esp-prov"

echo "== esp-prov --help / --version"
"$bin" --help >/dev/null
"$bin" --version
# The usage hint names the shipped docs by their installed path; that file must exist.
set +e
"$bin" --transport softap --ssid x --passphrase-file "$work/no-such-file" --no-input >"$work/usage.err" 2>&1
set -e
doc="$(sed -n 's/.*; \(.*cli\.md\) has the details.*/\1/p' "$work/usage.err")"
[ -n "$doc" ] && [ -f "$doc" ] || { echo "usage hint does not name an installed docs/cli.md"; cat "$work/usage.err"; exit 1; }
echo "   usage hint points to $doc"

echo "== esp-prov sim + SoftAP provisioning"
"$bin" sim --transport softap --listen 127.0.0.1:0 --sec 2 --sec2-username wifiprov --sec2-password abcd1234 --json \
  >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(head -n 1 "$work/sim.out" 2>/dev/null | sed -n 's/.*"port":\([0-9]*\).*/\1/p')"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "simulator did not report ready"; cat "$work/sim.err"; exit 1; }
"$bin" --transport softap --service_name "127.0.0.1:$port" --sec_ver 2 --sec2_username wifiprov --sec2_pwd abcd1234 \
  --ssid HomeNetwork --passphrase correct-horse-battery --json --no-input >"$work/prov.out"
tail -n 1 "$work/prov.out" | grep -q '"ok":true' || { echo "provisioning did not succeed"; cat "$work/prov.out"; exit 1; }
echo "   provisioned: $(tail -n 1 "$work/prov.out" | cut -c1-120)"
kill "$sim_pid" && wait "$sim_pid" || true
sim_pid=""

echo "== --transport ble without a usable BLE stack"
set +e
timeout 60 "$bin" --transport ble --service_name PROV_000000 --sec_ver 1 --pop abcd1234 --ssid x --passphrase password123 \
  --no-input --json >"$work/ble.out" 2>"$work/ble.err"
code=$?
set -e
if [ "$code" -ne 3 ] || ! grep -q '"TRANSPORT_UNAVAILABLE"' "$work/ble.out"; then
  echo "expected exit 3 with TRANSPORT_UNAVAILABLE, got $code"
  cat "$work/ble.out" "$work/ble.err"
  exit 1
fi
echo "   exit $code: $(tail -n 1 "$work/ble.out" | cut -c1-160)"
echo "== npx <tarball> demo (what the README tells people to run before the package is published)"
(cd "$work" && npx --yes "./$(basename "$tarball")" demo --json >"$work/demo.out" 2>"$work/demo.err") ||
  { echo "npx <tarball> demo failed"; cat "$work/demo.out" "$work/demo.err"; exit 1; }
tail -n 1 "$work/demo.out" | grep -q '"ok":true' || { echo "demo did not succeed"; cat "$work/demo.out"; exit 1; }
echo "   demo: $(tail -n 1 "$work/demo.out" | cut -c1-100)"
echo "fresh install: ok"
