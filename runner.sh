#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# runner.sh - runs the vfio-dirty-selftests binaries against the devices
# named on the command line or in a config file, prints one KTAP document on
# stdout and can also write JUnit XML (--junit) and a certification report in
# Markdown (--report). --help says how; README.md says why.
#
# Safety: only named devices are touched. Before any change, each device's
# driver, driver_override and identity, each created mdev and each hugepage
# count are saved under a state folder, and every change is undone on every
# exit path: normal end, failure, SIGINT, SIGTERM, SIGHUP, a reader of stdout
# that died (the write error, SIGPIPE or not), a killed or hung test binary.
# "--restore" undoes what a run killed outright (SIGKILL, power cut of the
# runner only) left behind. Test binaries run in a session of
# their own and are killed as a group, so no forked test keeps a device open.
# A device that is in use is refused unless --force.
#
# This file is the main: the defaults, the exit path and the order of a run.
# The work is in the parts it sources from runner/ next to it (a source tree
# or a kselftest install): common.sh (messages, the KTAP stream), options.sh
# (command line and config), select.sh (binaries and --filter), devices.sh
# (binding, mdevs, hugepages, the state folder, restoring), run.sh (one test
# binary), kernel.sh (VFIO present, kernel log and taint, the environment),
# outputs.sh (verdict, JUnit, report); awk programs of their own: cases.awk,
# verdict.awk, ktap.awk + junit.awk + report.awk; splat.ere, the kernel
# messages that fail a binary (shared with the VM lab).
#
# Test seams, for fixtures/runner/ (never needed on a real machine):
#   VFIO_DIRTY_SYSFS  VFIO_DIRTY_PROC  VFIO_DIRTY_DEV  VFIO_DIRTY_BOOT
#       replace /sys, /proc (mounts, taint, config.gz, cmdline), /dev, /boot
#   VFIO_DIRTY_SYSFS_HOOK  command run after each sysfs write ("a fake
#       kernel"): HOOK VALUE PATH; only honoured with VFIO_DIRTY_SYSFS
#   VFIO_DIRTY_BIN  a folder whose dmesg, uname and modprobe replace the
#       system's (busybox sh runs its own applets whatever PATH says)
#   VFIO_DIRTY_STATE  the default state folder
# shellcheck disable=SC2034 # the state of the run, used by the runner/ parts
set -eu

sysfs=${VFIO_DIRTY_SYSFS:-/sys}
procfs=${VFIO_DIRTY_PROC:-/proc}
devfs=${VFIO_DIRTY_DEV:-/dev}
bootdir=${VFIO_DIRTY_BOOT:-/boot}
sysfs_hook=""
bin=${VFIO_DIRTY_BIN:+$VFIO_DIRTY_BIN/}
[ -z "${VFIO_DIRTY_SYSFS:-}" ] || sysfs_hook=${VFIO_DIRTY_SYSFS_HOOK:-}
here=$(cd "$(dirname "$0")" && pwd)
# Kernel messages that fail the binary that was running (extended regex),
# shared with the VM lab: the line of runner/splat.ere that is no comment.
splat_re=$(grep -v '^#' "$here/runner/splat.ere")
bindir=""
devices=""
drivers=""
last_pci=""
mdev_types=""
filters=""
hugepages=""
list_only=0
force=0
keep_going=0
restore_only=0
xfail_file=""
timeout_s=""
junit=""
report=""
from_ktap=""
require=""
expect_skips=""
state_dir=${VFIO_DIRTY_STATE:-/run/vfio-dirty-selftests}
config_files=""
cmdline_args="$*"

tmp=""
state=""
locked=0
ktap_started=0
child=""
watchdog=""
setsid_cmd=""
running_bin=""
running_num=0
interrupted=""
in_cleanup=0
mdevs_created=0
stdout_gone=0
kernel_damaged=""
klog_ok=1
klog_last=""
nl='
'
tab=$(printf '\t')

for part in common options select devices run kernel outputs; do
	# shellcheck source=/dev/null # the parts are checked on their own
	. "$here/runner/$part.sh"
done

# ------------------------------------------------------------------ main

# On EXIT: stop the running test, restore the machine, finish the KTAP
# document and the output files, release the state folder.
cleanup() {
	cl_status=$?
	in_cleanup=1
	trap '' INT TERM HUP PIPE
	trap - EXIT
	if [ -n "$child" ]; then
		log "stopping the running test ${running_bin:-}"
		stop_child
	fi
	if [ -n "$running_bin" ] && [ "$ktap_started" = 1 ]; then
		note "interrupted by SIG$interrupted"
		emit "not ok $running_num selftests: vfio_dirty: $running_bin # interrupted by SIG$interrupted"
		running_bin=""
	fi
	if [ -n "$interrupted" ] && [ "$ktap_started" = 1 ]; then
		emit "# env: interrupted: SIG$interrupted"
		judge "$tmp/ktap" > "$tmp/verdict" || true
		while IFS= read -r cl_l; do emit "$cl_l"; done < "$tmp/verdict"
	fi
	if ! restore_all; then
		cl_status=3
	else
		release_state
	fi
	if [ "$ktap_started" = 1 ] && [ -n "$junit$report" ]; then
		write_outputs "$tmp/ktap" "$junit" "$report" || true
	fi
	[ -z "$tmp" ] || rm -rf "$tmp"
	exit "$cl_status"
}

on_signal() {
	interrupted=$1
	log "caught SIG$1: stopping and restoring"
	exit "$2"
}

do_restore() {
	acquire_state
	if ! has_state "$state"; then
		log "nothing to restore in $state"
		return 0
	fi
	log "restoring what the run recorded in $state"
	restore_all || exit 3
	log "restored"
}

main() {
	trap cleanup EXIT
	trap 'on_signal INT 130' INT
	trap 'on_signal TERM 143' TERM
	trap 'on_signal HUP 129' HUP
	# SIGPIPE is caught, not ignored (which test binaries and the tools of
	# inner pipelines would inherit), and acts through the failed write
	# alone (emit): a SIGPIPE from another write, stderr's reader that
	# died, does not stop the run.
	trap : PIPE
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfio-dirty.XXXXXX")
	parse_args "$@"
	if [ -n "$from_ktap" ]; then
		judge_saved_ktap
	fi
	if [ "$restore_only" = 1 ]; then
		do_restore
		return 0
	fi
	find_suite
	select_tests
	plan_mdev_free_first
	if [ "$list_only" = 1 ]; then
		list_plan
		return 0
	fi
	kernel_release=$("${bin}uname" -r)
	load_xfail
	load_splats
	command -v setsid > /dev/null 2>&1 && setsid_cmd=setsid
	[ -n "$setsid_cmd" ] || log "warning: no setsid: a killed test's children may outlive it"
	"${bin}dmesg" > /dev/null 2>&1 || klog_ok=0
	[ -z "$hugepages" ] || parse_hugepages > /dev/null
	preflight_devices
	if needs_changes && [ "$(id -u)" != 0 ]; then
		die "no permission: binding devices, creating mdevs and reserving hugepages need root (run with sudo)"
	fi
	check_vfio
	acquire_state
	[ -z "$hugepages" ] || reserve_hugepages
	for m_d in $devices; do
		if is_pci_name "$m_d"; then
			bind_pci "$m_d"
		else
			log "$m_d: mdev"
		fi
	done
	[ -n "$devices$mdev_types" ] || log "no device named: tests that need one will SKIP"

	total=$(wc -l < "$tmp/plan" | tr -d ' ')
	emit "TAP version 13"
	emit "1..$total"
	ktap_started=1
	print_env
	emit "# env: binaries: $(cut -d' ' -f1 "$tmp/plan" | tr '\n' ' ' | sed 's/ $//')"
	m_num=0
	while read -r m_b m_cases; do
		m_num=$((m_num + 1))
		if [ -n "$kernel_damaged" ] && [ "$keep_going" = 0 ]; then
			skip_binary "$m_num" "$m_b" "$m_cases"
			continue
		fi
		runs_without_mdevs "$m_b" || create_mdevs
		run_binary "$m_num" "$m_b" "$m_cases" || true
	done < "$tmp/plan"
	m_rc=0
	judge "$tmp/ktap" > "$tmp/verdict" || m_rc=$?
	while IFS= read -r m_l; do emit "$m_l"; done < "$tmp/verdict"
	m_l=$(tail -n 1 "$tmp/verdict")
	log "${m_l#\# }"
	return "$m_rc"
}

main "$@"
