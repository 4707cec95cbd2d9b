# SPDX-License-Identifier: GPL-2.0-only
#
# runner/common.sh - messages, the KTAP stream and sysfs writes of the runner.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

log() {
	printf '# runner: %s\n' "$*" >&2
}

die() {
	printf '# runner: error: %s\n' "$*" >&2
	exit 2
}

# Prints a line of the KTAP document on stdout and keeps a copy for the
# JUnit and report writers.
emit() {
	printf '%s\n' "$1"
	[ -z "$tmp" ] || printf '%s\n' "$1" >> "$tmp/ktap"
}

# A note about the running binary, outside its own output.
note() {
	emit "# [$running_bin] $*"
}

sysfs_write() {
	log "write '$1' > $2"
	if ! sw_err=$(printf '%s\n' "$1" 2>&1 > "$2"); then
		log "error: writing '$1' to $2 failed${sw_err:+: $sw_err}"
		return 1
	fi
	if [ -n "$sysfs_hook" ] && ! "$sysfs_hook" "$1" "$2"; then
		log "error: writing '$1' to $2 failed (rejected)"
		return 1
	fi
}

# A part of the runner: runner/ next to this script.
runner_file() {
	echo "$here/runner/$1"
}

# A data file of the suite: next to the script, else in selftests/.
suite_file() {
	if [ -f "$here/$1" ]; then
		echo "$here/$1"
	elif [ -f "$here/selftests/$1" ]; then
		echo "$here/selftests/$1"
	else
		echo "$here/$1"
	fi
}
