#!/usr/bin/env bash
# Removes files in the checkout and the runner's temp folder that the runner's user does not
# own (written by a container as root or another uid). Left in place, they make the next
# `actions/checkout` on this self-hosted runner fail with "Permission denied".
#
# Tries a plain `rm -rf` (enough when the parent folder is ours), then `sudo -n rm -rf`
# (non-interactive: only where the runner's user has passwordless sudo for rm). When neither
# works it fails with the fix instead of pretending the runner is clean.
set -euo pipefail

if [ "$(id -u)" = 0 ]; then
  echo "running as root: the next checkout can remove anything; nothing to do"
  exit 0
fi

roots=()
for dir in "${GITHUB_WORKSPACE:-}" "${RUNNER_TEMP:-}"; do
  if [ -n "$dir" ] && [ -d "$dir" ]; then roots+=("$dir"); fi
done
if [ ${#roots[@]} -eq 0 ]; then
  echo "no GITHUB_WORKSPACE or RUNNER_TEMP folder: nothing to do"
  exit 0
fi

mapfile -d '' foreign < <(find "${roots[@]}" -mindepth 1 ! -user "$(id -u)" -prune -print0 2>/dev/null || true)
if [ ${#foreign[@]} -eq 0 ]; then
  echo "no foreign-owned files under ${roots[*]}"
  exit 0
fi

echo "removing ${#foreign[@]} foreign-owned path(s):"
printf '  %s\n' "${foreign[@]}"
if rm -rf -- "${foreign[@]}" 2>/dev/null; then
  echo "removed"
elif sudo -n rm -rf -- "${foreign[@]}" 2>/dev/null; then
  echo "removed with sudo -n"
else
  echo "::error title=leftovers::cannot remove files owned by another user (no passwordless sudo). Fix: run worker containers as the runner's uid (WORKER_USER=\$(id -u):\$(id -g)), or allow 'sudo -n rm' for the runner's user, or clean the runner once as root"
  exit 1
fi
