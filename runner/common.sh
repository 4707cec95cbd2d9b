# SPDX-License-Identifier: GPL-2.0-only
#
# runner/common.sh - messages, the KTAP stream and sysfs writes of the runner.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

# Never fails: a restore goes on when nobody reads stderr any more.
log() {
	printf '# runner: %s\n' "$*" >&2 || :
}

die() {
	printf '# runner: error: %s\n' "$*" >&2
	exit 2
}

# Prints a line on stdout; returns 1 only when stdout itself is broken. A
# failed write is not always a reader that is gone: busybox's printf gives
# up when a signal interrupts a write that blocked on a slow stdout (EINTR:
# a serial console, and SIGCHLD from a test binary or its watchdog that
# ended), which stopped lab boots as if the reader had died. cat catches no
# signal, so nothing interrupts its write, and it fails on a write error
# (busybox's printf applet does not): if it fails too, the reader is gone
# (EPIPE) or the terminal hung up (EIO).
out_line() {
	printf '%s\n' "$1" 2> /dev/null && return 0
	{ printf '%s\n' "$1" | cat; } 2> /dev/null
}

# Prints a line of the KTAP document on stdout and keeps a copy for the
# JUnit and report writers. When the reader of stdout is gone (| head, an
# ssh drop), the write error stops the run: stop the test and restore
# everything (SIGPIPE itself only makes the write fail: runner.sh).
emit() {
	[ -z "$tmp" ] || printf '%s\n' "$1" >> "$tmp/ktap"
	[ "$stdout_gone" = 0 ] || return 0
	if ! out_line "$1"; then
		stdout_gone=1
		[ "$in_cleanup" = 1 ] || on_signal PIPE 141
	fi
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
