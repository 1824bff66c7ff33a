#!/usr/bin/env bash
# The action's install step (action.yml), by the plan's KIND:
#   release  downloads codex-live-suite-<version>-<TARGET>.tar.gz and SHA256SUMS from
#            DOWNLOAD_BASE_URL/<RELEASE_REPO>/releases/download/<VERSION>/, checks the archive
#            against SHA256SUMS and, with gh on the runner and GitHub as the source, its build
#            provenance (gh attestation verify), then installs its binary into ROOT/bin. Any
#            failure stops the step naming the URL and the fix: nothing is compiled instead.
#   action, path, git  `cargo install --locked` from SOURCE, or from REPOSITORY at the tag or
#            commit VERSION.
# A binary already in ROOT (the runner's tool cache) is kept, except for path installs, which
# always rebuild from the checkout.
set -euo pipefail

fail() {
  local text=${1//%/%25}
  text=${text//$'\r'/%0D}
  echo "::error title=codex-live-suite action::${text//$'\n'/%0A}"
  exit 2
}

bin="${ROOT:?}/bin/codex-live-suite"
if [ "${KIND:?}" != path ] && [ -x "$bin" ]; then
  echo "already installed: $("$bin" --version)"
  exit 0
fi

# Downloads $1 to $2; a failure names the URL, what happened and the fix.
fetch() {
  local url=$1 out=$2 status code=0
  status=$(curl --silent --show-error --location --fail --retry 2 --retry-delay 1 \
    --connect-timeout 20 --max-time 600 --write-out '%{http_code}' --output "$out" "$url" 2>"$work/curl.err") || code=$?
  [ "$code" = 0 ] && return 0
  local said
  said=$(tr '\n' ' ' <"$work/curl.err")
  if [ "$code" = 22 ]; then
    fail "download of $url failed: HTTP $status. The release $VERSION of $RELEASE_REPO has no such asset (its platform: ${RUNNER_OS:-}/${RUNNER_ARCH:-}). Nothing was installed. Fix: check that the release exists and lists it, and the inputs 'version', 'repository' and 'download-base-url'; or set version to a commit SHA or path:<dir> to compile instead"
  fi
  fail "download of $url failed (curl exit $code: ${said% }). Nothing was installed. Fix: re-run the job; if it persists, check the runner's network, proxy and the input 'download-base-url' ($DOWNLOAD_BASE_URL)"
}

install_release() {
  local asset="codex-live-suite-${VERSION#v}-${TARGET:?}.tar.gz"
  local base="${DOWNLOAD_BASE_URL%/}/${RELEASE_REPO:?}/releases/download/${VERSION:?}"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fetch "$base/SHA256SUMS" "$work/SHA256SUMS"
  fetch "$base/$asset" "$work/$asset"
  local expected actual
  expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$work/SHA256SUMS")
  [ -n "$expected" ] || fail "$base/SHA256SUMS lists no $asset: the release is incomplete. Nothing was installed. Fix: report it to the release's maintainers, or pick another version"
  if command -v sha256sum >/dev/null; then
    actual=$(sha256sum "$work/$asset" | cut -d' ' -f1)
  else
    actual=$(shasum -a 256 "$work/$asset" | cut -d' ' -f1)
  fi
  if [ "$actual" != "$expected" ]; then
    fail "checksum mismatch for $base/$asset: SHA256SUMS says $expected, the download is $actual (corrupt, or not the released file). Nothing was installed. Fix: re-run the job; if it persists, report it to the release's maintainers and do not bypass the check"
  fi
  echo "sha256 of $asset matches SHA256SUMS"
  if [ "${DOWNLOAD_BASE_URL%/}" != https://github.com ]; then
    echo "provenance not checked: the archive comes from $DOWNLOAD_BASE_URL, not GitHub's releases"
  elif ! command -v gh >/dev/null; then
    echo "provenance not checked: gh is not on this runner (the checksum was)"
  elif ! gh attestation verify "$work/$asset" --repo "$RELEASE_REPO" >"$work/gh.out" 2>&1; then
    fail "gh attestation verify of $base/$asset against $RELEASE_REPO failed: $(tr '\n' ' ' <"$work/gh.out"). Nothing was installed. Fix: make sure the job's token may read attestations; if the archive is not the one $RELEASE_REPO built, do not use it"
  else
    echo "provenance verified: built by $RELEASE_REPO's release workflow"
  fi
  mkdir "$work/x"
  tar -xzf "$work/$asset" -C "$work/x" || fail "$base/$asset is not a readable .tar.gz. Nothing was installed. Fix: report it to the release's maintainers"
  local unpacked="$work/x/${asset%.tar.gz}/codex-live-suite"
  [ -f "$unpacked" ] || fail "$base/$asset holds no ${asset%.tar.gz}/codex-live-suite. Nothing was installed. Fix: report it to the release's maintainers"
  mkdir -p "$ROOT/bin"
  cp "$unpacked" "$bin.partial"
  chmod 755 "$bin.partial"
  mv "$bin.partial" "$bin"
  echo "installed from $base/$asset: $("$bin" --version)"
}

# Build scripts of dependencies run here: they never see the suite's secrets, whatever the
# caller mapped on the step.
unset OPENAI_API_KEY OPENAI_ORG_ID OPENAI_PROJECT

case "$KIND" in
  release)
    install_release
    exit 0
    ;;
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
      fail "version '${VERSION:-}' is compiled from git and needs the input 'repository' (the git URL to install from)"
    fi
    ref_flag=--tag
    if [[ ${VERSION:?} =~ ^[0-9a-f]{40}$ ]]; then ref_flag=--rev; fi
    cargo install --locked --root "$ROOT" --git "$REPOSITORY" "$ref_flag" "$VERSION" codex-live-suite
    ;;
  *)
    fail "unknown install kind '$KIND'"
    ;;
esac
echo "installed: $("$bin" --version)"
