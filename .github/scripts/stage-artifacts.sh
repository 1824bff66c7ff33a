#!/usr/bin/env bash
# Copies the suite's zip and junit.xml (paths from the xtask's step outputs, given as
# SUITE_ZIP / SUITE_JUNIT) to names unique per run and attempt, and writes their paths as
# this step's outputs `zip` and `junit`.
#
# Why: with `archive: false` upload-artifact names the artifact after the file, and artifact
# names must be unique within a run, re-runs (attempts) included. `junit.xml` would collide.
# A missing source is reported, and the destination path is still written so that the
# upload's `if-no-files-found: error` says "no evidence" in red.
set -euo pipefail

dest_dir="${RUNNER_TEMP:?}/upload"
mkdir -p "$dest_dir"
suffix="${GITHUB_RUN_ID:?}-${GITHUB_RUN_ATTEMPT:?}"

stage() {
  local name=$1 src=$2 dest=$3
  if [ -z "$src" ]; then
    echo "::warning title=no ${name}::the suite wrote no ${name} (it stopped before its reports; see its log)"
  elif [ ! -f "$src" ]; then
    echo "::warning title=no ${name}::the suite named ${src} but it does not exist"
  else
    cp -- "$src" "$dest"
    echo "staged ${name}: ${dest}"
  fi
  echo "${name}=${dest}" >>"${GITHUB_OUTPUT:?}"
}

zip_name=$(basename -- "${SUITE_ZIP:-evidence.zip}")
stage zip "${SUITE_ZIP:-}" "${dest_dir}/live-suite-${suffix}-${zip_name}"
stage junit "${SUITE_JUNIT:-}" "${dest_dir}/junit-${suffix}.xml"
