#!/usr/bin/env bash
# The action's evidence step: names the run's zip by its sha256 in the step's outputs and in
# the step summary, with the commands a reviewer checks it with. Inputs arrive as
# environment variables (SUITE_ZIP, ATTEST), never as script text.
set -euo pipefail

zip=${SUITE_ZIP:?}
if [ ! -f "$zip" ]; then
  echo "no evidence zip at $zip (the run could not write it): nothing to name"
  exit 0
fi
if command -v sha256sum >/dev/null; then
  sum=$(sha256sum "$zip")
else
  sum=$(shasum -a 256 "$zip")
fi
sha=${sum%% *}
# The name is the suite's own (a timestamp); backticks are dropped all the same, so that no
# name can end the markdown's code span.
name=$(basename "$zip" | tr -d '`')
echo "evidence: $name, sha256 $sha"
echo "sha256=$sha" >>"${GITHUB_OUTPUT:?}"

[ -n "${GITHUB_STEP_SUMMARY:-}" ] || exit 0
{
  echo
  echo "### Evidence"
  echo
  echo "\`$name\`, sha256 \`$sha\`. A reviewer downloads the artifact and checks it:"
  echo
  echo '```sh'
  if [ "${ATTEST:-false}" = true ]; then
    echo "gh attestation verify <zip> --repo ${GITHUB_REPOSITORY:-<owner>/<repo>}"
  fi
  echo "codex-live-suite verify <zip> --commit ${GITHUB_SHA:-<commit>}"
  echo '```'
} >>"$GITHUB_STEP_SUMMARY"
