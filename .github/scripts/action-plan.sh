#!/usr/bin/env bash
# The action's first step (action.yml): decides from VERSION where codex-live-suite comes
# from and where it is installed, and writes the step outputs
#   kind     release (download the archive) | action | git | path (compile with cargo)
#   version  the release tag or commit installed (empty for action and path)
#   target   the archive's Rust target (release only)
#   repo     the release's owner/name (release only)
#   source   the source folder (action, path); empty otherwise
#   root     the install folder (the binary is root/bin/codex-live-suite)
#   key      the cache key, empty for path installs (their sources change with every commit)
# VERSION empty means the action's own tag (ACTION_REF) when it is a release tag, else the
# action's own sources. A release tag downloads the release's archive for this runner's OS
# and architecture; only a commit SHA, `path:` or a platform without an archive compiles,
# and then it says so and needs cargo. Cached installs live in the runner's tool cache, which
# a self-hosted runner keeps between jobs.
set -euo pipefail

# A message in a workflow command: %, CR and LF escaped, so that no input can end it.
fail() {
  local text=${1//%/%25}
  text=${text//$'\r'/%0D}
  echo "::error title=codex-live-suite action::${text//$'\n'/%0A}"
  exit 2
}

# sha256sum (Linux) or shasum (macOS).
sha=(sha256sum)
command -v sha256sum >/dev/null || sha=(shasum -a 256)

release_tag='^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$'

# The Rust target of the release archive for this runner; empty when none is published.
archive_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    *) echo "" ;;
  esac
}

# owner/name from REPOSITORY (a GitHub URL or owner/name), else the action's own repository,
# into `repo`.
set_release_repo() {
  repo=${REPOSITORY:-${ACTION_REPOSITORY:-}}
  repo=${repo#https://github.com/}
  repo=${repo%.git}
  repo=${repo%/}
  [[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || fail "cannot tell which repository's releases to download from ('${REPOSITORY:-}'): set the input 'repository' to https://github.com/<owner>/<repo>"
}

version=${VERSION:-}
if [ -z "$version" ] && [[ ${ACTION_REF:-} =~ $release_tag ]]; then version=$ACTION_REF; fi
source_dir="" target="" repo="" why=""
case "$version" in
  path:*)
    kind=path
    dir=${version#path:}
    [ -n "$dir" ] || fail "version 'path:' names no folder (e.g. path:.)"
    case "$dir" in /*) ;; *) dir="${GITHUB_WORKSPACE:?}/$dir" ;; esac
    source_dir=$(cd "$dir" && pwd) || fail "version '$version': no such folder"
    why="version $version is a checkout"
    version=""
    ;;
  "")
    kind=action
    source_dir=${GITHUB_ACTION_PATH:?}
    why="the action is used by '${ACTION_REF:-an unknown ref}', not by a release tag, and no version is given"
    ;;
  *)
    if ! [[ $version =~ ^[0-9a-f]{40}$ || $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
      fail "version '$version' is neither a release tag (v1.2.0), a full commit SHA nor path:<dir>"
    fi
    target=$(archive_target)
    if [[ $version =~ $release_tag ]] && [ -n "$target" ]; then
      kind=release
      set_release_repo
    else
      kind=git
      if [[ $version =~ $release_tag ]]; then
        why="no release archive is built for ${RUNNER_OS:-this OS}/${RUNNER_ARCH:-this architecture}"
      else
        why="version $version is not a release tag (vX.Y.Z)"
      fi
      target=""
    fi
    ;;
esac

key=""
if [ "$kind" = release ]; then
  echo "codex-live-suite: downloading release $version ($target) of $repo, no compiler needed"
  key="codex-live-suite-${RUNNER_OS:?}-${RUNNER_ARCH:?}-$version-$target"
else
  echo "codex-live-suite: compiling from source with cargo: $why"
  if ! command -v cargo >/dev/null || ! rustc_version=$(rustc -V 2>/dev/null); then
    fail "cargo not found, and it is needed: $why. Fix: use a release tag (version: v1.2.0, or the action by its tag), which downloads a prebuilt binary; or install Rust on the runner first (rustup, https://rustup.rs)"
  fi
  if [ "$kind" != path ]; then
    if [ "$kind" = action ]; then
      # The action's own sources, by content (its ref may be a branch).
      id=src-$(cd "$source_dir" && find . \( -path ./target -o -path ./.git -o -path ./docs/evidence \) -prune \
        -o -type f -print0 | LC_ALL=C sort -z | xargs -0 "${sha[@]}" | "${sha[@]}" | cut -c1-16)
    else
      id=$version
    fi
    key="codex-live-suite-${RUNNER_OS:?}-${RUNNER_ARCH:?}-${id}-$(printf '%s' "$rustc_version" | tr -c 'A-Za-z0-9.' '_')"
  fi
fi
if [ -n "$key" ]; then
  root="${RUNNER_TOOL_CACHE:?}/codex-live-suite/$(printf '%s' "$key" | "${sha[@]}" | cut -c1-16)"
else
  root="${RUNNER_TEMP:?}/codex-live-suite"
fi

echo "codex-live-suite: $kind install${source_dir:+ from $source_dir} into $root${key:+, cache key $key}"
{
  echo "kind=$kind"
  echo "version=$version"
  echo "target=$target"
  echo "repo=$repo"
  echo "source=$source_dir"
  echo "root=$root"
  echo "key=$key"
} >>"${GITHUB_OUTPUT:?}"
