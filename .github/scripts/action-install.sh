#!/usr/bin/env bash
# The action's install step (action.yml): `cargo install --locked` of codex-live-suite into
# ROOT, from SOURCE (kinds action and path) or from REPOSITORY at the tag or commit VERSION
# (kind git). A binary already in ROOT (the runner's tool cache) is kept, except for path
# installs, which always rebuild from the checkout.
set -euo pipefail

bin="${ROOT:?}/bin/codex-live-suite"
if [ "${KIND:?}" != path ] && [ -x "$bin" ]; then
  echo "already installed: $("$bin" --version)"
  exit 0
fi
# Build scripts of dependencies run here: they never see the suite's secrets, whatever the
# caller mapped on the step.
unset OPENAI_API_KEY OPENAI_ORG_ID OPENAI_PROJECT

case "$KIND" in
  path)
    # The checkout's own target folder, which its cargo cache may keep between runs.
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${SOURCE:?}/target}
    cargo install --locked --force --root "$ROOT" --path "${SOURCE:?}/suite"
    ;;
  action)
    cargo install --locked --root "$ROOT" --path "${SOURCE:?}/suite"
    ;;
  git)
    if [ -z "${REPOSITORY:-}" ]; then
      echo "::error title=codex-live-suite action::version '${VERSION:-}' needs the input 'repository' (the git URL to install from)"
      exit 2
    fi
    ref_flag=--tag
    if [[ ${VERSION:?} =~ ^[0-9a-f]{40}$ ]]; then ref_flag=--rev; fi
    cargo install --locked --root "$ROOT" --git "$REPOSITORY" "$ref_flag" "$VERSION" codex-live-suite
    ;;
  *)
    echo "::error title=codex-live-suite action::unknown install kind '$KIND'"
    exit 2
    ;;
esac
echo "installed: $("$bin" --version)"
