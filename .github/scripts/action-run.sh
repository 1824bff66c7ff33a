#!/usr/bin/env bash
# The action's run step (action.yml): builds codex-live-suite's arguments from the inputs
# (SUITE_* variables, never script text), runs it, and adds the step outputs `exit-code` and
# `exit-verdict` (from the exit code alone) to those the suite writes itself (`zip`, `junit`,
# …). The step ends with the suite's exit code. A signal to this script (a cancelled job) is
# passed on to the suite as SIGTERM, so that it tears its stack down and writes its partial
# report.
set -uo pipefail

args=(--out "${RUNNER_TEMP:?}/codex-live-suite-evidence")
if [ -n "${SUITE_CONFIG:-}" ]; then args+=(--config "$SUITE_CONFIG"); fi
if [ -n "${SUITE_BASE_URL:-}" ]; then args+=(--base-url "$SUITE_BASE_URL"); fi
if [ -n "${SUITE_MOCKED_BASE_URL:-}" ]; then args+=(--mocked-base-url "$SUITE_MOCKED_BASE_URL"); fi
if [ -n "${SUITE_FROM:-}" ]; then args+=(--from "$SUITE_FROM"); fi
case "${SUITE_STRICT:-false}" in
  true) args+=(--strict) ;;
  false | "") ;;
  *) code=2 && echo "::error title=codex-live-suite action::input 'strict' must be true or false; the suite did not run" ;;
esac
# One argument per line, trimmed; blank lines dropped.
while IFS= read -r line || [ -n "$line" ]; do
  line=${line#"${line%%[![:space:]]*}"}
  line=${line%"${line##*[![:space:]]}"}
  if [ -n "$line" ]; then args+=("$line"); fi
done <<<"${SUITE_ARGS:-}"

if [ -z "${code:-}" ]; then
  "${SUITE_BIN:?}" "${args[@]}" &
  child=$!
  trap 'kill -TERM "$child" 2>/dev/null' INT TERM HUP
  wait "$child"
  code=$?
  # A trapped signal ends `wait` early: wait again for the suite's own exit code.
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    code=$?
  done
  echo "codex-live-suite exited with $code"
fi

if [ "$code" = 0 ]; then verdict=pass
elif [ "$code" = 1 ]; then verdict=fail
elif [ "$code" = 3 ]; then verdict=report-error
elif [ "$code" -gt 128 ]; then verdict=interrupted
else verdict=setup-error; fi
echo "verdict: $verdict"
{
  echo "exit-code=$code"
  echo "exit-verdict=$verdict"
} >>"${GITHUB_OUTPUT:?}"
exit "$code"
