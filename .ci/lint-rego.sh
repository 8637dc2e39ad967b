#!/usr/bin/env bash
# OPA's own tools over policies/: format, strict compile, the Rego tests, Regal (and the tests of
# the project's own Regal rules).
# Every step runs even when an earlier one fails, so one CI run shows every problem;
# the exit code is 1 when any step failed. Needs .ci/install-tools.sh first.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

OPA_MIN_VERSION=v1.0.0 # keep equal to MIN_OPA_VERSION in scanner/engine/opa_engine.py
TOOLS="${FP_TOOLS_DIR:-$HOME/.cache/fargate-preflight/tools}"
export PATH="$TOOLS/bin:$PATH"

for tool in opa regal; do
  command -v "$tool" >/dev/null || {
    echo "lint-rego: $tool is not on PATH; run .ci/install-tools.sh first" >&2
    exit 1
  }
done

# The policies read AWS facts as data.fargate_preflight.aws (scanner/data/*.json, the same
# document scanner.api.engine_data() gives the engines). OPA loads a data file at the root of
# `data`, so merge the facts under that path into one temporary file.
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
python3 - "$workdir/data.json" <<'PY'
import json
import sys
from pathlib import Path

facts = {}
for path in sorted(Path("scanner/data").glob("*.json")):
    facts.update(json.loads(path.read_text(encoding="utf-8")))
Path(sys.argv[1]).write_text(json.dumps({"fargate_preflight": {"aws": facts}}), encoding="utf-8")
PY

failed=()
step() {
  local name="$1"
  shift
  echo "== lint-rego: $name: $*"
  if ! "$@"; then
    echo "lint-rego: FAILED: $name" >&2
    failed+=("$name")
  fi
}

# The README's custom-policy example is checked with the shipped policies it builds on.
example=docs/examples/custom-policy
step "opa fmt" opa fmt --list --fail policies/ "$example" .regal/rules
step "opa check" opa check --strict policies/ "$example"
# The oldest OPA the OPA engine accepts (scanner/engine/opa_engine.py MIN_OPA_VERSION) must
# compile the shipped policies: its builtins and syntax, from the capabilities OPA ships.
step "opa check (OPA $OPA_MIN_VERSION)" \
  opa check --strict --capabilities "$OPA_MIN_VERSION" --ignore '*_test.rego' policies/
# OPA cancels a test after 5 s by default; the longest take 1–2 s alone and several times that
# on a loaded 2-core machine (one took 5.03 s while other jobs built and tested), which is not a
# failure of the policies.
step "opa test" opa test --timeout 60s policies/ "$example" "$workdir/data.json" -v
# Regal loads the project's own rules from .regal/rules (head-value-in-body: a regorus defect).
step "regal test" regal test .regal/rules
step "regal lint" regal lint policies/ "$example"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "lint-rego: failed: ${failed[*]}" >&2
  exit 1
fi
echo "lint-rego: all passed (opa fmt, opa check --strict, opa test, regal test, regal lint)"
