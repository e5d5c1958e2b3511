#!/usr/bin/env bash
# What `npx esp-prov` users get: pack the package, install the tarball into an empty folder with install
# scripts disabled and no compiler on PATH, then run --help, a simulator + SoftAP provisioning against it,
# and --transport ble, which must fail with the documented "BLE unavailable" error (exit 3), not crash.
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
timeout 60 "$bin" --transport ble --service_name PROV_000000 --sec_ver 1 --pop abcd1234 --ssid x --passphrase y \
  --no-input --json >"$work/ble.out" 2>"$work/ble.err"
code=$?
set -e
if [ "$code" -ne 3 ] || ! grep -q '"TRANSPORT_UNAVAILABLE"' "$work/ble.out"; then
  echo "expected exit 3 with TRANSPORT_UNAVAILABLE, got $code"
  cat "$work/ble.out" "$work/ble.err"
  exit 1
fi
echo "   exit $code: $(tail -n 1 "$work/ble.out" | cut -c1-160)"
echo "fresh install: ok"
