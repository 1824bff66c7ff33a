#!/usr/bin/env bash
# The action's first step (action.yml): decides from VERSION where codex-live-suite comes
# from and where it is installed, and writes the step outputs
#   kind    action | git | path
#   source  the source folder (action, path); empty for git
#   root    the `cargo install --root` folder (the binary is root/bin/codex-live-suite)
#   key     the cache key, empty for path installs (their sources change with every commit)
# Cached installs live in the runner's tool cache, which a self-hosted runner keeps between
# jobs: one install per version, rustc and runner.
set -euo pipefail

# A message in a workflow command: %, CR and LF escaped, so that no input can end it.
fail() {
  local text=${1//%/%25}
  text=${text//$'\r'/%0D}
  echo "::error title=codex-live-suite action::${text//$'\n'/%0A}"
  exit 2
}

rustc_version=$(rustc -V) || fail "rustc not found: the action needs a Rust toolchain on the runner (rustup)"
source_dir=""
case "${VERSION:-}" in
  path:*)
    kind=path
    dir=${VERSION#path:}
    [ -n "$dir" ] || fail "version 'path:' names no folder (e.g. path:.)"
    case "$dir" in /*) ;; *) dir="${GITHUB_WORKSPACE:?}/$dir" ;; esac
    source_dir=$(cd "$dir" && pwd) || fail "version '$VERSION': no such folder"
    ;;
  "")
    kind=action
    source_dir=${GITHUB_ACTION_PATH:?}
    ;;
  *)
    kind=git
    if ! [[ $VERSION =~ ^[0-9a-f]{40}$ || $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
      fail "version '$VERSION' is neither a release tag (v1.2.0), a full commit SHA nor path:<dir>"
    fi
    ;;
esac

key=""
case "$kind" in
  path) root="${RUNNER_TEMP:?}/codex-live-suite" ;;
  *)
    if [ "$kind" = action ]; then
      # The action's own sources, by content (its ref is not known to a composite action).
      id=src-$(cd "$source_dir" && find . \( -path ./target -o -path ./.git -o -path ./docs/evidence \) -prune \
        -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
    else
      id=$VERSION
    fi
    key="codex-live-suite-${RUNNER_OS:?}-${RUNNER_ARCH:?}-${id}-$(printf '%s' "$rustc_version" | tr -c 'A-Za-z0-9.' '_')"
    root="${RUNNER_TOOL_CACHE:?}/codex-live-suite/$(printf '%s' "$key" | sha256sum | cut -c1-16)"
    ;;
esac

echo "codex-live-suite: $kind install${source_dir:+ from $source_dir} into $root${key:+, cache key $key}"
{
  echo "kind=$kind"
  echo "source=$source_dir"
  echo "root=$root"
  echo "key=$key"
} >>"${GITHUB_OUTPUT:?}"
