#!/usr/bin/env bash
# Smoke test of the built binary, run from an empty directory with no node_modules beside it: the provisioning flow
# without a terminal, then the daemon answering account_version over IPC and stopping on SIGTERM.
set -euo pipefail
bin=$(cd "$(dirname "${1:-dist/clef}")" && pwd)/$(basename "${1:-dist/clef}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
say() { printf '[smoke] %s\n' "$*"; }

"$bin" --version | grep -q '^Clef version ' && say "version ok"
printf 'clefclefclef\nclefclefclef\n' | "$bin" --suppress-bootwarn --configdir ./clef --lightkdf init >init.out
test "$(stat -c %a clef/masterseed.json)" = 400 && say "init ok (masterseed.json 0400, $(stat -c %s clef/masterseed.json) bytes)"
if printf 'clefclefclef\nclefclefclef\n' | "$bin" --suppress-bootwarn --configdir ./clef --lightkdf init >init2.out 2>&1; then
  echo "init overwrote an existing seed" >&2; exit 1
fi
grep -q 'already exists, will not overwrite' init2.out && say "init refuses to overwrite"

printf 'accountpassword1\n' >pw.txt
"$bin" --suppress-bootwarn --keystore ./ks --lightkdf newaccount --password pw.txt >new.out
addr=$(grep -o 'Generated account 0x[0-9a-fA-F]\{40\}' new.out | awk '{print $3}')
test -n "$addr" && say "newaccount $addr"
printf 'clefclefclef\n' >masterpw.txt
"$bin" --suppress-bootwarn --configdir ./clef --signersecret ./masterpw.txt setpw --password pw.txt "$addr" >setpw.out
grep -q 'Credential store updated' setpw.out && say "setpw ok"
printf 'function ApproveListing(){ return "Approve" }\n' >rules.js
"$bin" --suppress-bootwarn --configdir ./clef --signersecret ./masterpw.txt attest "$(sha256sum rules.js | cut -d' ' -f1)" >attest.out
grep -q 'Ruleset attestation updated' attest.out && say "attest ok"
"$bin" --suppress-bootwarn --keystore ./ks list-accounts | grep -qi "${addr#0x}" && say "list-accounts shows the account"

usbout=$("$bin" --suppress-bootwarn --keystore ./ks --loglevel 5 list-wallets 2>&1)
if echo "$usbout" | grep -q 'USB hardware wallets unavailable'; then echo "$usbout" >&2; echo "the embedded usb addon did not load" >&2; exit 1; fi
say "usb addon loads without node_modules (list-wallets)"

# The daemon: master password from the signer-secret file, stdin closed, rules attested.
"$bin" --suppress-bootwarn --configdir ./clef --keystore ./ks --signersecret ./masterpw.txt --rules rules.js --auditlog audit.log >daemon.out 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 100); do [ -S clef/clef.ipc ] && break; sleep 0.1; done
test -S clef/clef.ipc || { cat daemon.out; echo "no IPC socket" >&2; exit 1; }
reply=$(node -e '
const s = require("net").connect(process.argv[1]);
s.end(JSON.stringify({jsonrpc:"2.0",id:1,method:"account_version"}) + JSON.stringify({jsonrpc:"2.0",id:2,method:"account_list"}));
let b = ""; s.on("data", d => b += d); s.on("end", () => console.log(b.trim().split("\n").sort().join(" ")));
' clef/clef.ipc)
echo "$reply" | grep -q '"result":"6.1.0"' && say "daemon answers account_version over IPC"
echo "$reply" | grep -qi "${addr#0x}" && say "rules approved account_list"
# The rules run in a worker thread whose entry is embedded in the binary (scripts/build.mjs).
grep -q 'rules=active' daemon.out && say "readiness: rules=active (the rules worker started from the binary)"
kill -TERM "$pid"; wait "$pid" || true
test ! -e clef/clef.ipc && say "daemon stopped on SIGTERM and removed its socket"
grep -q 'msg=List' audit.log && say "audit log written"
say "all passed"
