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
# exit path: normal end, failure, SIGINT, SIGTERM, SIGHUP, a killed or hung
# test binary. "--restore" undoes what a run killed outright (SIGKILL, power
# cut of the runner only) left behind. Test binaries run in a session of
# their own and are killed as a group, so no forked test keeps a device open.
# A device that is in use is refused unless --force.
#
# Test seams, for fixtures/runner/ (never needed on a real machine):
#   VFIO_DIRTY_SYSFS  VFIO_DIRTY_PROC  VFIO_DIRTY_DEV  VFIO_DIRTY_BOOT
#       replace /sys, /proc (mounts, taint, config.gz, cmdline), /dev, /boot
#   VFIO_DIRTY_SYSFS_HOOK  command run after each sysfs write ("a fake
#       kernel"): HOOK VALUE PATH; only honoured with VFIO_DIRTY_SYSFS
#   VFIO_DIRTY_BIN  a folder whose dmesg, uname and modprobe replace the
#       system's (busybox sh runs its own applets whatever PATH says)
#   VFIO_DIRTY_STATE  the default state folder
set -eu

sysfs=${VFIO_DIRTY_SYSFS:-/sys}
procfs=${VFIO_DIRTY_PROC:-/proc}
devfs=${VFIO_DIRTY_DEV:-/dev}
bootdir=${VFIO_DIRTY_BOOT:-/boot}
sysfs_hook=""
bin=${VFIO_DIRTY_BIN:+$VFIO_DIRTY_BIN/}
[ -z "${VFIO_DIRTY_SYSFS:-}" ] || sysfs_hook=${VFIO_DIRTY_SYSFS_HOOK:-}
# Kernel messages that fail the binary that was running (extended regex).
splat_re='WARNING:|BUG:|kernel BUG at|Oops|general protection fault|Call Trace:|UBSAN:|soft lockup|hung_task|blocked for more than|Kernel panic'

here=$(cd "$(dirname "$0")" && pwd)
bindir=""
devices=""
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
kernel_damaged=""
klog_ok=1
klog_last=""
nl='
'

usage() {
	cat <<'USAGE'
Usage: runner.sh [options]
       runner.sh --restore [--state-dir DIR]
       runner.sh --from-ktap FILE [--junit FILE] [--report FILE] [--require ...]

Runs the suite's test binaries against the named devices and prints one KTAP
document on stdout. The runner's own messages are KTAP comments
("# runner: ...") on stderr; every sysfs write is logged there.

Devices:
  --device DEV      a PCI address (0000:3b:00.0 or 3b:00.0) to bind to
                    vfio-pci for the run, or the UUID of an existing mdev;
                    repeatable. Nothing else is ever bound.
  --mdev-type TYPE  create one mdev of TYPE (a name under some parent's
                    mdev_supported_types/) for the run; repeatable
  --config FILE     read options from FILE: one "KEY VALUE" per line, KEY one
                    of device, mdev-type, hugepages, filter, timeout, xfail,
                    require, expect-skips, junit, report, keep-going (no
                    value); "#" starts a comment
  --hugepages LIST  make sure at least this many hugepages exist for the run,
                    e.g. 2M:512,1G:1; the previous counts are restored
  --force           take a device even if it looks in use (a mounted or held
                    block device, a network interface that is up)

Selection:
  --filter PATTERN  BINARY or BINARY:CASE, shell globs; repeatable, the union
                    runs. CASE matches the full case name (fixture.variant.test)
                    or the test name alone, and is run with the harness's -r:
                      --filter dirty_ioctl_test            one binary
                      --filter 'dirty_ioctl_test:arg1*'    DP-ARG-10..19
                      --filter '*:bit09_*'                 DP-BIT-09 everywhere
                      --filter '*:*.hugetlb_1g.*'          one variant
  --list            print every selected case as BINARY:CASE and exit

Run:
  --timeout SEC     time limit per binary (default: settings file, else 3600)
  --keep-going      go on with the next binaries after one made the kernel
                    WARN, BUG, oops or taint. Without it the run stops there:
                    results from a damaged kernel mean little and the next
                    binary may hang the machine. Failing tests never stop a run.
  --xfail FILE      expected failures (default: the xfail file of the suite)

Verdict:
  --require TOKEN[,TOKEN...]
                    a skip whose reason starts with one of these capability
                    tokens ("pci: ...", "hugetlb_1g: ...", the list is in the
                    suite's capabilities file) fails the run: what a
                    certification needs must be there
  --expect-skips FILE
                    the skips this machine is expected to have; any other
                    skip fails the run. One "BINARY[:CASE] REASON_ERE" per
                    line: shell globs (CASE against fixture.variant.test)
                    and an extended regex on the skip reason; "#" comments

Output:
  --junit FILE      also write JUnit XML: a testsuite per binary, a testcase per
                    test case (and one "runner_checks" per binary)
  --report FILE     also write a certification report in Markdown: kernel,
                    config, devices, and a result for every requirement ID
  --from-ktap FILE  run nothing: judge the KTAP this runner printed (a saved
                    stdout or a lab's serial log): print its unexpected skips,
                    totals and verdict, write --junit / --report, exit as a run

Recovery:
  --restore         undo what an interrupted run left in the state folder
                    (bindings, mdevs, hugepages, a leftover test), then exit
  --state-dir DIR   the state folder (default /run/vfio-dirty-selftests)

The KTAP document ends with "# totals: ..." and "# verdict: VERDICT (details)".
Exit status, with the verdict:
  0  PASS: at least one case passed, nothing failed, no unexpected skip
     (skips are counted in the verdict line, and are not verified)
  1  FAIL: a case failed, an expected failure passed (XPASS), a binary
     crashed, hung, made the kernel WARN or taint, or a skip was unexpected
  2  bad usage, or a device, permission or state problem (nothing changed)
  3  the machine could not be restored fully (see the messages, then --restore)
  4  NOT RUN: no case passed (e.g. "1..0 # SKIP vfio: ..." without VFIO)
  5  INCOMPLETE: binaries never ran, or the log ends early (--from-ktap)
  129, 130, 143  interrupted by SIGHUP, SIGINT, SIGTERM (after restoring)
USAGE
}

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

# ---------------------------------------------------------------- options

add_device() {
	ad=$(printf '%s' "$1" | tr 'A-F' 'a-f')
	case $ad in
	[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ad=0000:$ad ;;
	esac
	if ! is_pci_name "$ad" && ! is_uuid "$ad"; then
		die "'$1' is neither a PCI address (0000:3b:00.0) nor an mdev UUID"
	fi
	case " $devices " in
	*" $ad "*) ;;
	*) devices="${devices:+$devices }$ad" ;;
	esac
}

check_seconds() {
	case $2 in
	'' | *[!0-9]* | 0) die "$1 must be a positive number of seconds, not '$2'" ;;
	esac
}

# Sets option $1 (long name without the dashes) to $2. $3 says where it
# came from, for messages.
set_option() {
	case $1 in
	device) add_device "$2" ;;
	mdev-type) mdev_types="${mdev_types:+$mdev_types }$2" ;;
	filter) filters="${filters:+$filters$nl}$2" ;;
	hugepages) hugepages="${hugepages:+$hugepages,}$2" ;;
	timeout) check_seconds "$3" "$2"; timeout_s=$2 ;;
	xfail) xfail_file=$2 ;;
	require) require="${require:+$require,}$2" ;;
	expect-skips) expect_skips=$2 ;;
	junit) junit=$2 ;;
	report) report=$2 ;;
	state-dir) state_dir=$2 ;;
	from-ktap) from_ktap=$2 ;;
	config) read_config "$2" ;;
	*) die "$3: unknown option '$1'" ;;
	esac
}

read_config() {
	case " $config_files " in
	*" $1 "*) die "config file $1 includes itself" ;;
	esac
	config_files="$config_files $1"
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		die "cannot read config file '$1'"
	fi
	rc_file=$1
	rc_n=0
	while IFS= read -r rc_line || [ -n "$rc_line" ]; do
		rc_n=$((rc_n + 1))
		rc_line=${rc_line%%#*}
		set -f
		# shellcheck disable=SC2086 # split into key and value, no globbing
		set -- $rc_line
		set +f
		[ $# -gt 0 ] || continue
		case $1 in
		keep-going)
			[ $# = 1 ] || die "$rc_file:$rc_n: keep-going takes no value"
			keep_going=1
			continue
			;;
		device | mdev-type | hugepages | filter | timeout | xfail | junit | report | \
		require | expect-skips) ;;
		force) die "$rc_file:$rc_n: force is accepted on the command line only" ;;
		*) die "$rc_file:$rc_n: unknown key '$1' (see --help)" ;;
		esac
		[ $# = 2 ] || die "$rc_file:$rc_n: '$1' needs exactly one value"
		set_option "$1" "$2" "$rc_file:$rc_n"
	done < "$rc_file"
}

parse_args() {
	while [ $# -gt 0 ]; do
		pa_opt=$1
		pa_val=""
		pa_has=0
		case $1 in
		--*=*) pa_opt=${1%%=*}; pa_val=${1#*=}; pa_has=1 ;;
		esac
		case $pa_opt in
		--device | --mdev-type | --filter | --hugepages | --timeout | --xfail | \
		--junit | --report | --state-dir | --from-ktap | --config | --require | \
		--expect-skips)
			if [ "$pa_has" = 0 ]; then
				[ $# -ge 2 ] || die "$pa_opt needs a value (see --help)"
				pa_val=$2
				shift
			fi
			[ -n "$pa_val" ] || die "$pa_opt needs a non-empty value"
			set_option "${pa_opt#--}" "$pa_val" "$pa_opt"
			;;
		--list) list_only=1 ;;
		--force) force=1 ;;
		--keep-going) keep_going=1 ;;
		--restore) restore_only=1 ;;
		--help | -h) usage; exit 0 ;;
		*) die "unknown argument '$1' (see --help)" ;;
		esac
		shift
	done
	if [ -z "$timeout_s" ]; then
		timeout_s=$(sed -n 's/^timeout=//p' "$here/settings" 2>/dev/null || true)
		timeout_s=${timeout_s:-3600}
	fi
	if [ -n "$from_ktap" ]; then
		if [ ! -f "$from_ktap" ] || [ ! -r "$from_ktap" ]; then
			die "cannot read '$from_ktap'"
		fi
	fi
	check_verdict_options
}

# --require tokens must be capability tokens of the suite (when it lists
# them), and the --expect-skips file must be readable and well formed.
check_verdict_options() {
	cv_caps=$(suite_file capabilities)
	cv_ifs=$IFS
	IFS=,
	for cv_t in $require; do
		IFS=$cv_ifs
		case $cv_t in
		'' | *[!a-z0-9_]*) die "--require: '$cv_t' is not a capability token (see --help)" ;;
		esac
		if [ -f "$cv_caps" ] && ! cut -f1 "$cv_caps" | grep -qxF "$cv_t"; then
			die "--require: unknown capability '$cv_t' (the tokens are in $cv_caps)"
		fi
	done
	IFS=$cv_ifs
	[ -n "$expect_skips" ] || return 0
	if [ ! -f "$expect_skips" ] || [ ! -r "$expect_skips" ]; then
		die "--expect-skips: cannot read '$expect_skips'"
	fi
	cv_bad=$(awk '/^[ \t]*(#|$)/ { next }
		NF < 2 { print NR ": " $0; exit }' "$expect_skips")
	[ -z "$cv_bad" ] ||
		die "--expect-skips: $expect_skips:$cv_bad: not 'BINARY[:CASE] REASON_ERE'"
	# an invalid regex fails here, not at the end of the run (awk may not
	# say so: grep -E does)
	cv_rc=0
	: | awk -v expect="$expect_skips" -f "$(runner_file verdict.awk)" > /dev/null 2>&1 ||
		cv_rc=$?
	[ "$cv_rc" = 4 ] || die "--expect-skips: $expect_skips has an invalid pattern"
	awk '/^[ \t]*(#|$)/ { next } { sub(/^[ \t]*[^ \t]+[ \t]+/, ""); print }' "$expect_skips" |
		while IFS= read -r cv_re; do
			cv_rc=0
			echo x | grep -qE -e "$cv_re" 2> /dev/null || cv_rc=$?
			[ "$cv_rc" -le 1 ] || { echo "$cv_re"; break; }
		done > "$tmp/bad-re"
	[ ! -s "$tmp/bad-re" ] ||
		die "--expect-skips: $expect_skips has an invalid pattern: $(cat "$tmp/bad-re")"
}

# A part of the runner: runner/ next to this script.
runner_file() {
	echo "$here/runner/$1"
}

# Judges the KTAP document $1 (runner/verdict.awk): prints its unexpected
# skips, totals and verdict lines; returns the verdict's exit status. $2 is
# the saved document's name; without it, $1 is this run's, to be ended now.
judge() {
	jg_live=1
	[ -z "${2:-}" ] || jg_live=0
	LC_ALL=C tr -d '\000-\010\013\014\016-\037' < "$1" | tr -d '\r' |
		awk -v expect="$expect_skips" -v require="$require" -v src="${2:-}" \
		-v live="$jg_live" -f "$(runner_file verdict.awk)"
}

# ------------------------------------------------------------ the suite

# The binaries live next to this script (kselftest install), or in
# build/dynamic or build/static of a source tree.
find_suite() {
	for fs_d in "$here" "$here/build/dynamic" "$here/build/static"; do
		if [ -f "$fs_d/tests.list" ]; then
			bindir=$fs_d
			break
		fi
		for fs_f in "$fs_d"/*_test; do
			if [ -x "$fs_f" ]; then
				bindir=$fs_d
				break 2
			fi
		done
	done
	[ -n "$bindir" ] || die "no test binaries next to $0 nor in build/ (run make)"
	[ -n "$xfail_file" ] || xfail_file=$(suite_file xfail)
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

binaries() {
	if [ -f "$bindir/tests.list" ]; then
		grep -v '^[[:space:]]*\(#\|$\)' "$bindir/tests.list" || true
	else
		for b_f in "$bindir"/*_test; do
			case ${b_f##*/} in lib_unit_test) continue ;; esac
			[ -x "$b_f" ] && echo "${b_f##*/}"
		done
	fi
}

# Prints the full case names (fixture.variant.test) of binary $1, from the
# harness's -l table (columns of 20 and 25 characters).
list_cases() {
	lc_cache=$tmp/cases.$1
	if [ ! -f "$lc_cache" ]; then
		{ "$bindir/$1" -l 2>&1 || true; } | awk '
		function flush(    i, j) {
			if (fix == "")
				return
			if (nv == 0)
				v[++nv] = ""
			for (i = 1; i <= nv; i++)
				for (j = 1; j <= nt; j++)
					print fix "." (v[i] == "" ? "" : v[i] ".") t[j]
			fix = ""
			nv = nt = 0
		}
		/^# FIXTURE/ { seen = 1; next }
		!seen || /^---/ || /^$/ { next }
		{
			corr = 0
			if ($0 !~ /^ /) {
				flush()
				fix = $1
				if (length(fix) > 20)
					corr = length(fix) - 20
			}
			rest = substr($0, 22 + corr)
			n = split(rest, tok, " ")
			if (rest ~ /^[^ ]/) {
				v[++nv] = tok[1]
				if (n >= 2)
					t[++nt] = tok[2]
			} else if (n >= 1) {
				t[++nt] = tok[1]
			}
		}
		END { flush() }' > "$lc_cache"
	fi
	cat "$lc_cache"
}

# Writes $tmp/plan: "BINARY CASE..." per selected binary; no CASE means
# every case of the binary.
select_tests() {
	: > "$tmp/plan"
	bins=$(binaries)
	[ -n "$bins" ] || die "the suite in $bindir lists no test binary"
	if [ -z "$filters" ]; then
		for st_b in $bins; do
			echo "$st_b" >> "$tmp/plan"
		done
		return 0
	fi
	st_ifs=$IFS
	set -f
	for st_b in $bins; do
		st_all=0
		st_cases=""
		IFS=$nl
		for st_f in $filters; do
			IFS=$st_ifs
			st_bp=${st_f%%:*}
			st_cp=""
			[ "$st_bp" = "$st_f" ] || st_cp=${st_f#*:}
			# shellcheck disable=SC2254 # the pattern is a glob
			case $st_b in $st_bp) ;; *) continue ;; esac
			if [ -z "$st_cp" ]; then
				st_all=1
				echo "$st_f" >> "$tmp/filters.used"
				continue
			fi
			st_list=$(list_cases "$st_b")
			[ -n "$st_list" ] || die "cannot list the tests of $st_b ($bindir/$st_b -l printed none)"
			for st_c in $st_list; do
				# shellcheck disable=SC2254
				case $st_c in
				$st_cp) ;;
				*) case ${st_c##*.} in $st_cp) ;; *) continue ;; esac ;;
				esac
				echo "$st_f" >> "$tmp/filters.used"
				case " $st_cases " in *" $st_c "*) ;; *) st_cases="$st_cases $st_c" ;; esac
			done
		done
		IFS=$st_ifs
		if [ "$st_all" = 1 ]; then
			echo "$st_b" >> "$tmp/plan"
		elif [ -n "$st_cases" ]; then
			echo "$st_b$st_cases" >> "$tmp/plan"
		fi
	done
	IFS=$nl
	for st_f in $filters; do
		grep -qxF "$st_f" "$tmp/filters.used" 2>/dev/null ||
			die "--filter '$st_f' matches no test (see --list)"
	done
	IFS=$st_ifs
	set +f
}

list_plan() {
	while read -r lp_b lp_cases; do
		[ -n "$lp_cases" ] || lp_cases=$(list_cases "$lp_b")
		if [ -z "$lp_cases" ]; then
			log "$lp_b: cannot list its tests"
			continue
		fi
		for lp_c in $lp_cases; do
			echo "$lp_b:$lp_c"
		done
	done < "$tmp/plan"
}

# --------------------------------------------------------------- devices

is_pci_name() {
	case $1 in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) return 0 ;;
	esac
	return 1
}

is_uuid() {
	case $1 in
	????????-????-????-????-????????????) ;;
	*) return 1 ;;
	esac
	case $1 in
	*[!0-9a-f-]*) return 1 ;;
	esac
	return 0
}

is_named() {
	case " $devices " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

pci_dev() {
	echo "$sysfs/bus/pci/devices/$1"
}

driver_of() {
	if [ -e "$(pci_dev "$1")/driver" ]; then
		basename "$(readlink "$(pci_dev "$1")/driver")"
	fi
}

group_of() {
	if [ -e "$(pci_dev "$1")/iommu_group" ]; then
		basename "$(readlink "$(pci_dev "$1")/iommu_group")"
	fi
}

pci_id() {
	id_v=$(cat "$(pci_dev "$1")/vendor" 2>/dev/null || echo 0x????)
	id_d=$(cat "$(pci_dev "$1")/device" 2>/dev/null || echo 0x????)
	echo "${id_v#0x}:${id_d#0x}"
}

# Prints why device $1 is in use and returns 1, or returns 0: one of its
# block devices (or partitions) is mounted, used as swap or held by another
# block device, or one of its network interfaces is up.
check_not_in_use() {
	ciu_real=$(readlink -f "$(pci_dev "$1")")
	for ciu_n in "$sysfs"/class/net/*; do
		[ -e "$ciu_n" ] || continue
		case $(readlink -f "$ciu_n") in "$ciu_real"/*) ;; *) continue ;; esac
		ciu_flags=$(cat "$ciu_n/flags" 2>/dev/null || echo 0)
		if [ $((ciu_flags & 1)) = 1 ] || [ "$(cat "$ciu_n/operstate" 2>/dev/null)" = up ]; then
			echo "network interface ${ciu_n##*/} is up"
			return 1
		fi
	done
	for ciu_b in "$sysfs"/class/block/*; do
		[ -e "$ciu_b" ] || continue
		case $(readlink -f "$ciu_b") in "$ciu_real"/*) ;; *) continue ;; esac
		ciu_name=${ciu_b##*/}
		ciu_mm=$(cat "$ciu_b/dev" 2>/dev/null || true)
		if [ -n "$ciu_mm" ] &&
			awk -v mm="$ciu_mm" '$3 == mm { f = 1 } END { exit !f }' "$procfs/self/mountinfo" 2>/dev/null; then
			echo "block device $ciu_name is mounted"
			return 1
		fi
		if grep -q "^/dev/$ciu_name " "$procfs/mounts" "$procfs/swaps" 2>/dev/null; then
			echo "block device $ciu_name is mounted or used as swap"
			return 1
		fi
		for ciu_h in "$ciu_b"/holders/*; do
			if [ -e "$ciu_h" ]; then
				echo "block device $ciu_name is held by ${ciu_h##*/}"
				return 1
			fi
		done
	done
	return 0
}

# Read-only checks of every named device, before anything changes.
preflight_devices() {
	for pf_d in $devices; do
		if is_uuid "$pf_d"; then
			[ -e "$sysfs/bus/mdev/devices/$pf_d" ] ||
				die "$pf_d: no such mdev (see $sysfs/bus/mdev/devices/)"
			continue
		fi
		pf_dev=$(pci_dev "$pf_d")
		[ -e "$pf_dev" ] || die "$pf_d: no such PCI device (see lspci -D)"
		[ -e "$pf_dev/iommu_group" ] ||
			die "$pf_d: no IOMMU group: enable the IOMMU (intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in the firmware)"
		pf_group=$(group_of "$pf_d")
		for pf_o in "$pf_dev"/iommu_group/devices/*; do
			pf_o=${pf_o##*/}
			[ "$pf_o" = "$pf_d" ] && continue
			is_named "$pf_o" && continue
			pf_od=$(driver_of "$pf_o")
			case $pf_od in
			"" | vfio-pci | pci-stub | pcieport) ;;
			*) die "$pf_d: IOMMU group $pf_group also holds $pf_o (driver $pf_od): name it too, or unbind it" ;;
			esac
		done
		pf_drv=$(driver_of "$pf_d")
		if [ -n "$pf_drv" ] && [ "$pf_drv" != vfio-pci ] && [ "$force" = 0 ]; then
			pf_why=$(check_not_in_use "$pf_d") ||
				die "$pf_d ($pf_drv) is in use: $pf_why (use --force to take it anyway)"
		fi
	done
	for pf_t in $mdev_types; do
		[ -n "$(mdev_type_dir "$pf_t")" ] ||
			die "mdev type $pf_t: no parent device offers it (is its driver loaded?)"
	done
}

mdev_type_dir() {
	for mt_t in "$sysfs"/class/mdev_bus/*/mdev_supported_types/"$1"; do
		if [ -d "$mt_t" ]; then
			echo "$mt_t"
			return 0
		fi
	done
}

# Something to change (bind, create, reserve) needs root.
needs_changes() {
	[ -z "$mdev_types" ] || return 0
	[ -z "$hugepages" ] || return 0
	for nc_d in $devices; do
		is_pci_name "$nc_d" || continue
		[ "$(driver_of "$nc_d")" = vfio-pci ] || return 0
	done
	return 1
}

# vfio-pci must be there to bind to, and /dev/vfio/vfio for a container.
# Either missing means this kernel has no usable VFIO: a SKIP, not an error.
check_vfio() {
	if [ -z "$devices$mdev_types" ]; then
		# nothing to bind: VFIO itself must be there for any test to run
		[ -e "$devfs/vfio/vfio" ] || [ -d "$sysfs/module/vfio" ] || [ -d "$devfs/vfio/devices" ] ||
			skip_all "vfio: no VFIO in this kernel (no $devfs/vfio/vfio, no $sysfs/module/vfio)"
		return 0
	fi
	if [ ! -d "$sysfs/bus/pci/drivers/vfio-pci" ] && needs_changes; then
		if ! cv_err=$("${bin}modprobe" vfio-pci 2>&1); then
			skip_all "vfio: vfio-pci is not available: modprobe vfio-pci: $(printf '%s' "$cv_err" | head -n 1)"
		fi
		[ -d "$sysfs/bus/pci/drivers/vfio-pci" ] ||
			skip_all "vfio: vfio-pci is not available (no $sysfs/bus/pci/drivers/vfio-pci after modprobe)"
	fi
	[ -e "$devfs/vfio/vfio" ] ||
		skip_all "vfio: no $devfs/vfio/vfio: this kernel has no VFIO container (CONFIG_VFIO_CONTAINER) or vfio is not loaded"
}

# Prints the processes that hold VFIO group $1 (or device cdev $2) open.
group_users() {
	for gu_fd in /proc/[0-9]*/fd/*; do
		gu_t=$(readlink "$gu_fd" 2>/dev/null) || continue
		case $gu_t in
		"$devfs/vfio/$1" | "$devfs/vfio/devices/$2")
			gu_p=${gu_fd#/proc/}
			gu_p=${gu_p%%/*}
			echo "$gu_p ($(cat "/proc/$gu_p/comm" 2>/dev/null || echo '?'))"
			;;
		esac
	done | sort -u | tr '\n' ' '
}

# Waits up to 10 s until nobody holds device $1's VFIO group; unbinding a
# device that is still open blocks until it is closed.
wait_released() {
	wr_g=$(group_of "$1")
	wr_cdev=""
	for wr_c in "$(pci_dev "$1")"/vfio-dev/vfio*; do
		[ -e "$wr_c" ] && wr_cdev=${wr_c##*/}
	done
	wr_n=0
	while :; do
		wr_users=$(group_users "$wr_g" "${wr_cdev:-none}")
		[ -n "$wr_users" ] || return 0
		[ "$wr_n" -lt 10 ] || break
		sleep 1
		wr_n=$((wr_n + 1))
	done
	log "error: $1: VFIO group $wr_g is still open by pid $wr_users"
	return 1
}

bind_pci() {
	bp_d=$1
	bp_dev=$(pci_dev "$bp_d")
	bp_drv=$(driver_of "$bp_d")
	bp_ovr=$(cat "$bp_dev/driver_override" 2>/dev/null || echo "(null)")
	[ "$bp_ovr" != "(null)" ] || bp_ovr=""
	# Saved before any change, so a restore always knows the way back.
	printf '%s %s %s %s %s\n' "$bp_d" "${bp_drv:--}" "${bp_ovr:--}" \
		"$(pci_id "$bp_d")" "$(group_of "$bp_d")" >> "$state/devices"
	if [ "$bp_drv" = vfio-pci ]; then
		log "$bp_d: already bound to vfio-pci (group $(group_of "$bp_d"))"
		return 0
	fi
	sysfs_write vfio-pci "$bp_dev/driver_override" || die "$bp_d: cannot set driver_override"
	if [ -n "$bp_drv" ]; then
		sysfs_write "$bp_d" "$bp_dev/driver/unbind" || die "$bp_d: cannot unbind it from $bp_drv"
	fi
	sysfs_write "$bp_d" "$sysfs/bus/pci/drivers_probe" || true
	[ "$(driver_of "$bp_d")" = vfio-pci ] || die "$bp_d: vfio-pci did not bind to it (see dmesg)"
	log "$bp_d: bound to vfio-pci (group $(group_of "$bp_d"), was ${bp_drv:-unbound})"
}

create_mdev() {
	cm_dir=$(mdev_type_dir "$1")
	cm_avail=$(cat "$cm_dir/available_instances" 2>/dev/null || echo 0)
	[ "$cm_avail" -gt 0 ] 2>/dev/null || die "mdev type $1: no instance available"
	cm_uuid=$(cat "$procfs/sys/kernel/random/uuid" 2>/dev/null || cat /proc/sys/kernel/random/uuid)
	# Saved before the create, so a restore removes it even if we die now.
	echo "$cm_uuid $1" >> "$state/mdevs"
	sysfs_write "$cm_uuid" "$cm_dir/create" || die "mdev type $1: cannot create $cm_uuid"
	[ -e "$sysfs/bus/mdev/devices/$cm_uuid" ] || die "mdev type $1: $cm_uuid did not appear"
	devices="$devices $cm_uuid"
	log "$cm_uuid: created an mdev of type $1"
}

# "2M" -> 2048 (kB); empty for nonsense.
size_kb() {
	case $1 in
	*[!0-9kKmMgG]* | [kKmMgG]* | '') return 0 ;;
	*[kK]) echo "${1%?}" ;;
	*[mM]) echo $((${1%?} * 1024)) ;;
	*[gG]) echo $((${1%?} * 1024 * 1024)) ;;
	*) echo $(($1 / 1024)) ;;
	esac
}

# Checks --hugepages SIZE:N[,SIZE:N] and prints "kB N" lines.
parse_hugepages() {
	ph_ifs=$IFS
	IFS=,
	for ph_e in $hugepages; do
		IFS=$ph_ifs
		ph_kb=$(size_kb "${ph_e%%:*}")
		ph_n=${ph_e#*:}
		case $ph_e:$ph_n in
		*:*:*:* | *[!0-9]) die "--hugepages: '$ph_e' is not SIZE:COUNT (e.g. 2M:512,1G:1)" ;;
		esac
		if [ -z "$ph_kb" ] || [ "$ph_n" = "$ph_e" ]; then
			die "--hugepages: '$ph_e' is not SIZE:COUNT (e.g. 2M:512,1G:1)"
		fi
		[ -d "$sysfs/kernel/mm/hugepages/hugepages-${ph_kb}kB" ] ||
			die "--hugepages: ${ph_e%%:*} hugepages are not supported here (no $sysfs/kernel/mm/hugepages/hugepages-${ph_kb}kB)"
		echo "$ph_kb $ph_n"
	done
	IFS=$ph_ifs
}

reserve_hugepages() {
	parse_hugepages > "$tmp/hugepages"
	while read -r rh_kb rh_n; do
		rh_f=$sysfs/kernel/mm/hugepages/hugepages-${rh_kb}kB/nr_hugepages
		rh_cur=$(cat "$rh_f")
		if [ "$rh_cur" -ge "$rh_n" ]; then
			log "hugepages ${rh_kb}kB: $rh_cur already, $rh_n wanted"
			continue
		fi
		echo "$rh_kb $rh_cur" >> "$state/hugepages"
		sysfs_write "$rh_n" "$rh_f" || log "warning: cannot reserve $rh_n ${rh_kb}kB hugepages"
		rh_got=$(cat "$rh_f")
		if [ "$rh_got" -lt "$rh_n" ]; then
			log "warning: got $rh_got of $rh_n ${rh_kb}kB hugepages (memory too fragmented?): tests that need more will SKIP"
		else
			log "hugepages ${rh_kb}kB: $rh_cur -> $rh_got for the run"
		fi
	done < "$tmp/hugepages"
}

# ----------------------------------------------------------------- state

has_state() {
	for hs_f in devices mdevs hugepages child; do
		[ -s "$1/$hs_f" ] && return 0
	done
	return 1
}

# Takes the state folder: one run at a time, and never over the leftovers
# of an interrupted run (unless restoring them).
acquire_state() {
	if ! mkdir -p "$state_dir" 2>/dev/null || [ ! -w "$state_dir" ]; then
		needs_changes || [ "$restore_only" = 1 ] || {
			state=$tmp/state
			mkdir -p "$state"
			return 0
		}
		die "no permission: cannot write the state folder $state_dir (run as root, or pick --state-dir DIR)"
	fi
	if ! mkdir "$state_dir/lock" 2>/dev/null; then
		as_pid=$(cat "$state_dir/lock/pid" 2>/dev/null || true)
		if [ -n "$as_pid" ] && [ -d "/proc/$as_pid" ] &&
			tr '\0' ' ' 2>/dev/null < "/proc/$as_pid/cmdline" | grep -q runner; then
			die "another run (pid $as_pid) is using $state_dir; it restores everything when it ends"
		fi
		if [ "$restore_only" = 0 ] && has_state "$state_dir"; then
			die "an interrupted run left changes in $state_dir: run '$0 --restore' first"
		fi
		mkdir -p "$state_dir/lock"
	fi
	if [ "$restore_only" = 1 ] && [ -s "$state_dir/lock/tmp" ]; then
		# the scratch folder of the run that was killed
		as_tmp=$(cat "$state_dir/lock/tmp")
		case $as_tmp in */vfio-dirty.*) rm -rf "$as_tmp" ;; esac
	fi
	echo $$ > "$state_dir/lock/pid"
	echo "$tmp" > "$state_dir/lock/tmp"
	state=$state_dir
	locked=1
}

release_state() {
	[ "$locked" = 1 ] || return 0
	rm -f "$state/child"
	for rs_f in devices mdevs hugepages; do
		[ -s "$state/$rs_f" ] || rm -f "$state/$rs_f"
	done
	rm -rf "$state/lock"
	rmdir "$state" 2>/dev/null || true
	locked=0
}

# Kills what is left of the test binary a killed runner left running: its
# process group, if a process of that group still runs the binary (the
# harness itself may be gone while a test it forked still holds the device).
kill_leftover_child() {
	[ -s "$state/child" ] || return 0
	read -r kl_pgid kl_bin < "$state/child" || true
	kl_mine=0
	for kl_s in /proc/[0-9]*/stat; do
		kl_f=$(cat "$kl_s" 2> /dev/null) || continue
		kl_f=${kl_f##*) }
		# shellcheck disable=SC2086 # state ppid pgrp ...
		set -- $kl_f
		[ "${3:-}" = "$kl_pgid" ] || continue
		kl_p=${kl_s#/proc/}
		kl_p=${kl_p%/stat}
		if tr '\0' ' ' 2>/dev/null < "/proc/$kl_p/cmdline" | grep -qF "${kl_bin##*/}"; then
			kl_mine=1
		fi
	done
	if [ "$kl_mine" = 1 ]; then
		log "killing what is left of the test $kl_bin (process group $kl_pgid)"
		kill -KILL "-$kl_pgid" 2> /dev/null || true
		sleep 1
	fi
	rm -f "$state/child"
}

remove_mdevs() {
	[ -s "$state/mdevs" ] || return 0
	rm_bad=0
	: > "$state/mdevs.left"
	while read -r rm_uuid rm_type; do
		rm_dev=$sysfs/bus/mdev/devices/$rm_uuid
		if [ ! -e "$rm_dev" ]; then
			log "$rm_uuid: gone already"
			continue
		fi
		if sysfs_write 1 "$rm_dev/remove" && [ ! -e "$rm_dev" ]; then
			log "$rm_uuid: removed"
		else
			log "error: $rm_uuid ($rm_type): could not remove it"
			echo "$rm_uuid $rm_type" >> "$state/mdevs.left"
			rm_bad=1
		fi
	done < "$state/mdevs"
	mv "$state/mdevs.left" "$state/mdevs"
	return "$rm_bad"
}

# Puts device $1 back on driver $2 ("-": none) with override $3; $4 is the
# vendor:device it had. Safe to repeat.
restore_device() {
	rd_dev=$(pci_dev "$1")
	if [ ! -e "$rd_dev" ]; then
		log "$1: gone, nothing to restore"
		return 0
	fi
	if [ -n "${4:-}" ] && [ "$(pci_id "$1")" != "$4" ]; then
		log "error: $1 is now $(pci_id "$1"), not $4: not touched"
		return 1
	fi
	[ "$2" != vfio-pci ] || return 0
	rd_cur=$(driver_of "$1")
	rd_ovr=$(cat "$rd_dev/driver_override" 2>/dev/null || echo "(null)")
	[ "$rd_ovr" != "(null)" ] || rd_ovr=-
	if [ "${rd_cur:--}" = "$2" ] && [ "$rd_ovr" = "$3" ]; then
		log "$1: already on ${rd_cur:-no driver}"
		return 0
	fi
	if [ "$rd_cur" = vfio-pci ]; then
		wait_released "$1" || return 1
		sysfs_write "$1" "$rd_dev/driver/unbind" || return 1
	elif [ -n "$rd_cur" ] && [ "$rd_cur" != "$2" ]; then
		log "error: $1 is bound to $rd_cur now, not to vfio-pci: not touched"
		return 1
	fi
	if [ "$3" = - ]; then
		sysfs_write "" "$rd_dev/driver_override" || return 1
	else
		sysfs_write "$3" "$rd_dev/driver_override" || return 1
	fi
	if [ "$2" = - ]; then
		log "$1: restored (no driver)"
		return 0
	fi
	[ "$(driver_of "$1")" = "$2" ] ||
		sysfs_write "$1" "$sysfs/bus/pci/drivers/$2/bind" ||
		sysfs_write "$1" "$sysfs/bus/pci/drivers_probe" || true
	if [ "$(driver_of "$1")" != "$2" ]; then
		log "error: $1: could not bind it back to $2"
		return 1
	fi
	log "$1: restored to $2"
}

restore_devices() {
	[ -s "$state/devices" ] || return 0
	rds_bad=0
	: > "$state/devices.left"
	# Newest first, in case a device was recorded twice.
	sed '1!G;h;$!d' "$state/devices" > "$state/devices.rev"
	while read -r rds_d rds_drv rds_ovr rds_id rds_g; do
		if ! restore_device "$rds_d" "$rds_drv" "$rds_ovr" "$rds_id"; then
			echo "$rds_d $rds_drv $rds_ovr $rds_id $rds_g" >> "$state/devices.left"
			rds_bad=1
		fi
	done < "$state/devices.rev"
	rm -f "$state/devices.rev"
	mv "$state/devices.left" "$state/devices"
	return "$rds_bad"
}

restore_hugepages() {
	[ -s "$state/hugepages" ] || return 0
	rh_bad=0
	: > "$state/hugepages.left"
	while read -r rhp_kb rhp_n; do
		rhp_f=$sysfs/kernel/mm/hugepages/hugepages-${rhp_kb}kB/nr_hugepages
		if sysfs_write "$rhp_n" "$rhp_f"; then
			log "hugepages ${rhp_kb}kB: back to $(cat "$rhp_f")"
		else
			echo "$rhp_kb $rhp_n" >> "$state/hugepages.left"
			rh_bad=1
		fi
	done < "$state/hugepages"
	mv "$state/hugepages.left" "$state/hugepages"
	return "$rh_bad"
}

# Undoes everything the state folder records; returns 1 if something is
# left (and still recorded, for a later --restore).
restore_all() {
	[ -n "$state" ] && [ -d "$state" ] || return 0
	ra_bad=0
	kill_leftover_child
	remove_mdevs || ra_bad=1
	restore_devices || ra_bad=1
	restore_hugepages || ra_bad=1
	if [ "$ra_bad" = 1 ]; then
		log "error: the machine is not fully restored; what is left is recorded in $state (run $0 --restore)"
	fi
	return "$ra_bad"
}

# ---------------------------------------------------- running the tests

stop_child() {
	[ -n "$child" ] || return 0
	if [ -n "$setsid_cmd" ]; then
		kill -TERM "-$child" 2>/dev/null || true
	else
		kill -TERM "$child" 2>/dev/null || true
	fi
	sc_n=0
	while kill -0 "$child" 2>/dev/null && [ "$sc_n" -lt 20 ]; do
		sleep 0.25 2>/dev/null || sleep 1
		sc_n=$((sc_n + 1))
	done
	kill_group
}

# Kills whatever the binary left in its process group (a forked test
# outlives a harness that was killed).
kill_group() {
	[ -n "$child" ] || return 0
	if [ -n "$setsid_cmd" ]; then
		kill -KILL "-$child" 2>/dev/null || true
	else
		kill -KILL "$child" 2>/dev/null || true
	fi
	wait "$child" 2>/dev/null || true
	if [ -n "$watchdog" ]; then
		kill "$watchdog" 2>/dev/null || true
		wait "$watchdog" 2>/dev/null || true
		watchdog=""
	fi
	child=""
	[ -z "$state" ] || rm -f "$state/child"
}

# Ends the binary's process group: after timeout_s seconds (TERM, then
# KILL), or as soon as the binary itself is dead (a zombie the runner has
# not reaped yet because a forked test still holds the output open).
start_watchdog() {
	(
		sw_n=0
		while [ "$sw_n" -lt "$timeout_s" ]; do
			sleep 1
			sw_stat=$(cat "/proc/$1/stat" 2>/dev/null) || exit 0
			sw_stat=${sw_stat##*) }
			if [ "${sw_stat%% *}" = Z ]; then
				kill -KILL "-$1" 2>/dev/null
				exit 0
			fi
			sw_n=$((sw_n + 1))
		done
		: > "$tmp/timeout.$1"
		kill -TERM "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null
		sleep 5
		kill -KILL "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
	) < /dev/null > /dev/null 2>&1 &
	watchdog=$!
}

taint() {
	cat "$procfs/sys/kernel/tainted" 2>/dev/null || echo 0
}

# Taint bits as the kernel prints them (P, W, O, ...).
taint_flags() {
	tf_v=$1
	tf_out=""
	tf_i=0
	for tf_c in P F S R M B U D A W C I O E L K X T N J; do
		[ $(((tf_v >> tf_i) & 1)) = 0 ] || tf_out="$tf_out$tf_c"
		tf_i=$((tf_i + 1))
	done
	echo "${tf_out:-none}"
}

# Remembers the last kernel log line; klog_new prints what came after it.
klog_mark() {
	[ "$klog_ok" = 1 ] || return 0
	klog_last=$("${bin}dmesg" 2>/dev/null | tail -n 1) || klog_last=""
}

klog_new() {
	"${bin}dmesg" 2>/dev/null > "$tmp/dmesg" || true
	if [ -z "$klog_last" ]; then
		cat "$tmp/dmesg"
		return 0
	fi
	kn_at=$(grep -nxF -- "$klog_last" "$tmp/dmesg" | tail -n 1 | cut -d: -f1)
	if [ -z "$kn_at" ]; then
		# The ring buffer wrapped past the mark: all of it is new.
		cat "$tmp/dmesg"
	else
		tail -n "+$((kn_at + 1))" "$tmp/dmesg"
	fi
}

# Sets xf_reason and returns 0 if case $2 of binary $1 is an expected
# failure on this kernel.
xfail_match() {
	[ -f "$xfail_file" ] || return 1
	while read -r xm_k xm_b xm_t xf_reason; do
		case $xm_k in "" | \#*) continue ;; esac
		[ "$xm_b" = "$1" ] || continue
		# shellcheck disable=SC2254
		case $kernel_release in $xm_k) ;; *) continue ;; esac
		# shellcheck disable=SC2254
		case $2 in $xm_t) return 0 ;; esac
	done < "$xfail_file"
	return 1
}

# One line of a binary's output: rewrites expected failures, counts, and
# prints it indented as a KTAP comment.
process_line() {
	pl_line=$1
	case $pl_line in
	"not ok "*)
		pl_name=${pl_line#not ok * }
		pl_name=${pl_name%% *}
		echo "$pl_name" >> "$tmp/seen"
		rb_raw_fail=1
		if xfail_match "$running_bin" "$pl_name"; then
			pl_line="ok ${pl_line#not ok } # XFAIL $xf_reason"
		else
			rb_bad=1
		fi
		rb_results=$((rb_results + 1))
		;;
	"ok "*"# SKIP"*)
		pl_name=${pl_line#ok * }
		echo "${pl_name%% *}" >> "$tmp/seen"
		rb_results=$((rb_results + 1))
		;;
	"ok "*"# XFAIL"*)
		pl_name=${pl_line#ok * }
		echo "${pl_name%% *}" >> "$tmp/seen"
		rb_results=$((rb_results + 1))
		;;
	"ok "*)
		pl_name=${pl_line#ok * }
		pl_name=${pl_name%% *}
		echo "$pl_name" >> "$tmp/seen"
		if xfail_match "$running_bin" "$pl_name"; then
			pl_line="not ok ${pl_line#ok } # XPASS expected to fail: $xf_reason"
			rb_bad=1
		fi
		rb_results=$((rb_results + 1))
		;;
	"1.."[0-9]*)
		[ -n "$rb_plan" ] || rb_plan=${pl_line#1..}
		case $pl_line in "1..0 # SKIP"*) rb_skip=${pl_line#1..0 # SKIP} ;; esac
		rb_plan=${rb_plan%% *}
		;;
	esac
	emit "# $pl_line"
}

# Notes every selected case of the running binary that reported nothing.
note_not_run() {
	nn_cases=$1
	[ -n "$nn_cases" ] || nn_cases=$(list_cases "$running_bin")
	for nn_c in $nn_cases; do
		grep -qxF "$nn_c" "$tmp/seen" 2>/dev/null || note "not run: $nn_c ($2)"
	done
}

# Checks the kernel log and taint after a binary; sets rb_bad and
# kernel_damaged, and shows what the kernel said.
check_kernel() {
	ck_taint=$(taint)
	if [ "$klog_ok" = 1 ]; then
		klog_new > "$tmp/klog.new"
		if grep -qE "$splat_re" "$tmp/klog.new"; then
			note "the kernel logged a WARN, BUG or oops:"
			awk -v re="$splat_re" '$0 ~ re && !on { on = 1 } on && n < 60 { print; n++ }' \
				"$tmp/klog.new" | while IFS= read -r ck_l; do note "kernel: $ck_l"; done
			rb_bad=1
			rb_why="${rb_why:+$rb_why; }kernel WARN/BUG/oops"
			kernel_damaged="the kernel logged a WARN, BUG or oops during $running_bin"
		fi
		grep -i vfio "$tmp/klog.new" | grep -vE "$splat_re" | head -n 20 |
			while IFS= read -r ck_l; do note "kernel: $ck_l"; done
	fi
	if [ "$ck_taint" != "$rb_taint0" ]; then
		note "kernel taint changed from $rb_taint0 ($(taint_flags "$rb_taint0")) to $ck_taint ($(taint_flags "$ck_taint"))"
		rb_bad=1
		rb_why="${rb_why:+$rb_why; }kernel taint changed"
		kernel_damaged=${kernel_damaged:-"the kernel taint changed during $running_bin"}
	fi
}

# Runs binary $2 as test number $1 (cases $3, all when empty), streams its
# KTAP, checks the kernel, prints the verdict. Returns 1 on failure.
run_binary() {
	running_num=$1
	running_bin=$2
	rb_cases=$3
	rb_plan=""
	rb_results=0
	rb_bad=0
	rb_raw_fail=0
	rb_skip=""
	rb_why=""
	: > "$tmp/seen"
	emit "# selftests: vfio_dirty: $running_bin"
	set --
	for rb_c in $rb_cases; do
		set -- "$@" -r "$rb_c"
	done
	# shellcheck disable=SC2086 # a list of device names
	set -- "$@" $devices
	klog_mark
	rb_taint0=$(taint)
	rb_t0=$(date +%s)
	rb_fifo=$tmp/out.$running_num
	rm -f "$rb_fifo"
	mkfifo "$rb_fifo"
	# shellcheck disable=SC2086 # no setsid: an empty word
	VFIO_DIRTY_DEVICES=$devices $setsid_cmd "$bindir/$running_bin" "$@" \
		< /dev/null > "$rb_fifo" 2>&1 &
	child=$!
	echo "$child $bindir/$running_bin" > "$state/child"
	start_watchdog "$child"
	while IFS= read -r rb_line || [ -n "$rb_line" ]; do
		process_line "$rb_line"
	done < "$rb_fifo"
	rb_rc=0
	wait "$child" || rb_rc=$?
	rb_pid=$child
	kill_group
	rm -f "$rb_fifo"
	rb_secs=$(($(date +%s) - rb_t0))
	note "exit status $rb_rc after $rb_secs s"
	rb_directive="exit=$rb_rc"
	if [ -e "$tmp/timeout.$rb_pid" ]; then
		note "timed out after $timeout_s s: killed"
		rb_why="timed out after $timeout_s s"
		rb_directive="TIMEOUT $timeout_s seconds"
	elif [ "$rb_rc" -gt 128 ]; then
		note "killed by signal $((rb_rc - 128))"
		rb_why="killed by signal $((rb_rc - 128))"
	elif [ "$rb_rc" != 0 ] && [ "$rb_rc" != 4 ] && [ "$rb_raw_fail" = 0 ]; then
		note "exited with status $rb_rc but reported no failing test"
		rb_why="exit status $rb_rc"
	elif [ -n "$rb_plan" ] && [ "$rb_results" -lt "$rb_plan" ]; then
		note "reported $rb_results of $rb_plan results"
		rb_why="reported $rb_results of $rb_plan results"
	elif [ -z "$rb_plan" ]; then
		note "printed no KTAP plan"
		rb_why="no KTAP output"
	fi
	[ -z "$rb_why" ] || note_not_run "$rb_cases" "$rb_why"
	check_kernel
	[ -z "$rb_why" ] || rb_bad=1
	if [ "$rb_bad" = 0 ]; then
		if [ "$rb_rc" = 4 ] && [ "$rb_results" = 0 ]; then
			# a binary that skipped as a whole: its reason is judged
			emit "ok $running_num selftests: vfio_dirty: $running_bin # SKIP ${rb_skip# }"
		elif [ "$rb_rc" = 4 ]; then
			emit "ok $running_num selftests: vfio_dirty: $running_bin # SKIP all $rb_results cases skipped"
		else
			emit "ok $running_num selftests: vfio_dirty: $running_bin"
		fi
	else
		emit "not ok $running_num selftests: vfio_dirty: $running_bin # $rb_directive"
	fi
	running_bin=""
	return "$rb_bad"
}

# A binary the run does not reach (after kernel damage).
skip_binary() {
	running_num=$1
	running_bin=$2
	: > "$tmp/seen"
	emit "# selftests: vfio_dirty: $running_bin"
	note_not_run "$3" "$kernel_damaged"
	emit "ok $running_num selftests: vfio_dirty: $running_bin # SKIP not run: $kernel_damaged (--keep-going runs it anyway)"
	running_bin=""
}

# ---------------------------------------------------------- environment

# Prints "# env:" lines: what the report needs to know about this machine.
print_env() {
	emit "# env: date: $(date -u +%Y-%m-%dT%H:%M:%S)"
	emit "# env: host: $("${bin}uname" -n)"
	emit "# env: kernel: $kernel_release"
	emit "# env: kernel-version: $("${bin}uname" -v)"
	emit "# env: machine: $("${bin}uname" -m)"
	emit "# env: cmdline: $(cat "$procfs/cmdline" 2>/dev/null || echo '?')"
	pe_t=$(taint)
	emit "# env: taint: $pe_t ($(taint_flags "$pe_t"))"
	emit "# env: runner: runner.sh $cmdline_args"
	pe_cfg=""
	if [ -r "$procfs/config.gz" ]; then
		gzip -dc "$procfs/config.gz" > "$tmp/kconfig" 2>/dev/null && pe_cfg=$procfs/config.gz
	fi
	if [ -z "$pe_cfg" ] && [ -r "$bootdir/config-$kernel_release" ]; then
		cp "$bootdir/config-$kernel_release" "$tmp/kconfig" && pe_cfg=$bootdir/config-$kernel_release
	fi
	if [ -n "$pe_cfg" ]; then
		emit "# env: config-source: $pe_cfg"
	else
		: > "$tmp/kconfig"
		emit "# env: config-source: none (no $procfs/config.gz, no $bootdir/config-$kernel_release)"
	fi
	if [ -f "$here/config" ]; then
		awk -v have="$pe_cfg" '
		{ f = (FILENAME == ARGV[1]) ? 1 : 2 }
		f == 1 && /^CONFIG_/ { k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v); cfg[k] = v; next }
		f == 1 && /^# CONFIG_.* is not set/ { cfg[$2] = "n"; next }
		f == 2 && /^CONFIG_/ {
			k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v)
			print "# env: config: " k " want=" v " have=" (have == "" ? "?" : (k in cfg ? cfg[k] : "n"))
		}' "$tmp/kconfig" "$here/config" > "$tmp/env.config"
		while IFS= read -r pe_l; do emit "$pe_l"; done < "$tmp/env.config"
	fi
	for pe_d in $devices; do
		if is_uuid "$pe_d"; then
			pe_m=$sysfs/bus/mdev/devices/$pe_d
			pe_type=$(basename "$(readlink "$pe_m/mdev_type" 2>/dev/null || echo '?')")
			pe_par=$(basename "$(dirname "$(readlink -f "$pe_m")")")
			emit "# env: mdev: $pe_d type=$pe_type parent=$pe_par driver=$(basename "$(readlink "$pe_m/driver" 2>/dev/null || echo none)") group=$(basename "$(readlink "$pe_m/iommu_group" 2>/dev/null || echo none)")"
			continue
		fi
		pe_dev=$(pci_dev "$pe_d")
		pe_was=$(awk -v d="$pe_d" '$1 == d { print $2; exit }' "$state/devices" 2>/dev/null)
		[ "$pe_was" != - ] || pe_was=none
		pe_sub=$(cat "$pe_dev/subsystem_vendor" 2>/dev/null || echo 0x????):$(cat "$pe_dev/subsystem_device" 2>/dev/null || echo 0x????)
		pe_sub=$(echo "$pe_sub" | sed 's/0x//g')
		pe_grp=$(group_of "$pe_d")
		pe_members=""
		for pe_o in "$pe_dev"/iommu_group/devices/*; do
			[ -e "$pe_o" ] && pe_members="${pe_members:+$pe_members,}${pe_o##*/}"
		done
		emit "# env: device: $pe_d id=$(pci_id "$pe_d") subsystem=$pe_sub class=$(cat "$pe_dev/class" 2>/dev/null || echo '?') group=${pe_grp:-none} driver=$(driver_of "$pe_d") was=${pe_was:-$(driver_of "$pe_d")} group-devices=${pe_members:-none}"
	done
	for pe_h in "$sysfs"/kernel/mm/hugepages/hugepages-*; do
		[ -d "$pe_h" ] || continue
		emit "# env: hugepages: ${pe_h##*-} total=$(cat "$pe_h/nr_hugepages") free=$(cat "$pe_h/free_hugepages" 2>/dev/null || echo '?')"
	done
	[ "$klog_ok" = 1 ] || emit "# env: kernel-log: not readable (dmesg failed): WARN/BUG/oops checks are off"
}

# Prints a KTAP "skip everything" document and exits 4.
skip_all() {
	log "skip: $1"
	emit "TAP version 13"
	emit "1..0 # SKIP $1"
	ktap_started=1
	sa_rc=0
	judge "$tmp/ktap" > "$tmp/verdict" || sa_rc=$?
	while IFS= read -r sa_l; do emit "$sa_l"; done < "$tmp/verdict"
	exit "$sa_rc"
}

# ---------------------------------------------------------------- outputs

# Writes the JUnit XML ($2) and the Markdown report ($3) from the KTAP
# document $1 that this runner printed.
write_outputs() {
	wo_req=$(suite_file requirements)
	[ -f "$wo_req" ] || { [ -z "$3" ] || log "warning: no requirements file ($wo_req): the report lists no requirement"; wo_req=/dev/null; }
	LC_ALL=C tr -d '\000-\010\013\014\016-\037' < "$1" | tr -d '\r' |
		awk -v junit="$2" -v report="$3" -v reqfile="$wo_req" "$outputs_awk" || {
		log "error: cannot write ${2:+$2 }${3:+$3}"
		return 1
	}
	[ -z "$2" ] || log "JUnit XML written to $2"
	[ -z "$3" ] || log "report written to $3"
}

# shellcheck disable=SC2016 # an awk program
outputs_awk='
function xml(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}
function md(s) {
	gsub(/\|/, "\\|", s)
	return s
}
function envget(k) {
	return ((k, 1) in env) ? env[k, 1] : ""
}
# value of key=value word k in s
function kv(s, k,    n, i, w, a) {
	n = split(s, w, " ")
	for (i = 1; i <= n; i++)
		if (index(w[i], k "=") == 1)
			return substr(w[i], length(k) + 2)
	return ""
}
function addlog(i, s) {
	if (cl[i] < 200)
		clog[i] = clog[i] s "\n"
	cl[i]++
}
{
	line = $0
}
line ~ /^# env: / {
	k = substr(line, 8)
	sub(/: .*/, "", k)
	v = substr(line, 8 + length(k) + 2)
	envn[k]++
	env[k, envn[k]] = v
	next
}
line ~ /^# selftests: / {
	n = split(line, w, " ")
	nb++
	bname[nb] = w[n]
	bidx[w[n]] = nb
	cur = nb
	buf = ""
	next
}
line ~ /^(not )?ok [0-9]+ selftests: / {
	rest = line
	sub(/^(not )?ok [0-9]+ selftests: [^ ]* /, "", rest)
	name = rest
	sub(/ .*/, "", name)
	i = (name in bidx) ? bidx[name] : 0
	if (i) {
		bverdict[i] = (line ~ /^not ok/) ? "fail" : "pass"
		d = ""
		if (index(rest, " # "))
			d = substr(rest, index(rest, " # ") + 3)
		if (bverdict[i] == "pass" && d ~ /^SKIP/)
			bverdict[i] = "skip"
		bdir[i] = d
	}
	cur = 0
	next
}
line ~ /^1\.\.0 # SKIP/ { skipall = substr(line, 13); next }
line ~ /^# totals: / { totals = substr(line, 11); next }
line ~ /^# verdict: / { vline = substr(line, 12); next }
line ~ /^# unexpected skip: / { unexp[++nunexp] = substr(line, 20); next }
line ~ /^# never ran: / { never[++nnever] = substr(line, 14); next }
cur && line ~ /^# / {
	inner = substr(line, 3)
	if (index(inner, "[" bname[cur] "] ") == 1) {
		note = substr(inner, length(bname[cur]) + 4)
		bnotes[cur] = bnotes[cur] note "\n"
		if (note ~ /^exit status [0-9]+ after [0-9]+ s$/) {
			t = note
			sub(/ s$/, "", t)
			sub(/.* /, "", t)
			btime[cur] = t
		} else if (note ~ /^not run: /) {
			c = substr(note, 10)
			r = c
			sub(/ .*/, "", c)
			sub(/^[^ ]* ?\(?/, "", r)
			sub(/\)$/, "", r)
			nc++
			cbin[nc] = cur
			cname[nc] = c
			cstat[nc] = "notrun"
			creason[nc] = "not run: " r
		} else if (note !~ /^kernel: / && note !~ /^exit status/) {
			if (bwhy[cur] == "")
				bwhy[cur] = note
		}
		next
	}
	blog[cur] = blog[cur] inner "\n"
	if (inner ~ /^#  RUN /)
		buf = ""
	if (inner ~ /^# /) {
		buf = buf substr(inner, 3) "\n"
		next
	}
	if (inner ~ /^(not )?ok [0-9]+ /) {
		neg = (inner ~ /^not /)
		rest = inner
		sub(/^(not )?ok [0-9]+ /, "", rest)
		name = rest
		sub(/ .*/, "", name)
		d = ""
		if (index(rest, " # "))
			d = substr(rest, index(rest, " # ") + 3)
		st = "pass"
		if (neg)
			st = (d ~ /^XPASS/) ? "xpass" : "fail"
		else if (d ~ /^SKIP/)
			st = "skip"
		else if (d ~ /^(XFAIL|TODO)/)
			st = "xfail"
		r = d
		sub(/^(SKIP|XFAIL|XPASS|TODO) ?/, "", r)
		nc++
		cbin[nc] = cur
		cname[nc] = name
		cstat[nc] = st
		clog[nc] = buf
		msg = ""
		nl = split(buf, ll, "\n")
		for (j = 1; j <= nl; j++) {
			if (match(ll[j], /^[^ ]*:[0-9]+:/)) {
				pre = substr(ll[j], 1, RLENGTH)
				sub(/^.*\//, "", pre)
				msg = pre substr(ll[j], RLENGTH + 1)
			}
		}
		if (st == "fail" && r == "")
			r = (msg != "") ? msg : "failed"
		if (st == "xpass")
			r = "passed, but is listed as an expected failure: " substr(r, 19)
		creason[nc] = r
		buf = ""
		next
	}
	next
}
END {
	# a binary cut short (interrupted run) has no verdict line
	for (i = 1; i <= nb; i++)
		if (bverdict[i] == "") {
			bverdict[i] = "fail"
			if (bwhy[i] == "")
				bwhy[i] = "no verdict (the run was interrupted)"
		}
	for (j = 1; j <= nc; j++) {
		b = cbin[j]
		bc[b, cstat[j]]++
		tc[cstat[j]]++
	}
	if (junit != "")
		write_junit()
	if (report != "")
		write_report()
}
function write_junit(    i, j, s, f, e, k, st, nt, out) {
	out = junit
	s = f = k = nt = 0
	for (j = 1; j <= nc; j++) {
		nt++
		if (cstat[j] == "fail" || cstat[j] == "xpass")
			f++
		else if (cstat[j] != "pass")
			s++
	}
	for (i = 1; i <= nb; i++) {
		nt++
		if (bverdict[i] == "fail" && bwhy[i] != "")
			f++
	}
	ts = envget("date")
	printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" > out
	printf "<testsuites name=\"vfio-dirty-selftests\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n", nt, f, s > out
	for (i = 1; i <= nb; i++) {
		cnt = 1
		fl = (bverdict[i] == "fail" && bwhy[i] != "") ? 1 : 0
		sk = 0
		for (j = 1; j <= nc; j++) {
			if (cbin[j] != i)
				continue
			cnt++
			if (cstat[j] == "fail" || cstat[j] == "xpass")
				fl++
			else if (cstat[j] != "pass")
				sk++
		}
		printf "  <testsuite name=\"%s\" package=\"vfio_dirty\" id=\"%d\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%d\"", xml(bname[i]), i - 1, cnt, fl, sk, btime[i] + 0 > out
		if (ts ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/)
			printf " timestamp=\"%s\"", ts > out
		if (envget("host") != "")
			printf " hostname=\"%s\"", xml(envget("host")) > out
		printf ">\n    <properties>\n" > out
		split("kernel kernel-version machine cmdline taint config-source runner", pk, " ")
		for (p = 1; p <= 7; p++)
			if (envget(pk[p]) != "")
				printf "      <property name=\"%s\" value=\"%s\"/>\n", pk[p], xml(envget(pk[p])) > out
		for (p = 1; p <= envn["device"]; p++)
			printf "      <property name=\"device\" value=\"%s\"/>\n", xml(env["device", p]) > out
		for (p = 1; p <= envn["mdev"]; p++)
			printf "      <property name=\"mdev\" value=\"%s\"/>\n", xml(env["mdev", p]) > out
		printf "    </properties>\n" > out
		for (j = 1; j <= nc; j++) {
			if (cbin[j] != i)
				continue
			st = cstat[j]
			printf "    <testcase classname=\"vfio_dirty.%s\" name=\"%s\" time=\"0\"", xml(bname[i]), xml(cname[j]) > out
			if (st == "pass" && clog[j] == "") {
				printf "/>\n" > out
				continue
			}
			printf ">\n" > out
			if (st == "fail" || st == "xpass")
				printf "      <failure type=\"%s\" message=\"%s\">%s</failure>\n", st, xml(creason[j]), xml(clog[j]) > out
			else if (st == "skip")
				printf "      <skipped message=\"%s\"/>\n", xml(creason[j]) > out
			else if (st == "xfail")
				printf "      <skipped message=\"%s\"/>\n", xml("expected failure: " creason[j]) > out
			else if (st == "notrun")
				printf "      <skipped message=\"%s\"/>\n", xml(creason[j]) > out
			if (clog[j] != "")
				printf "      <system-out>%s</system-out>\n", xml(clog[j]) > out
			printf "    </testcase>\n" > out
		}
		printf "    <testcase classname=\"vfio_dirty.%s\" name=\"runner_checks\" time=\"%d\"", xml(bname[i]), btime[i] + 0 > out
		if (bverdict[i] == "fail" && bwhy[i] != "") {
			printf ">\n      <failure type=\"binary\" message=\"%s\">%s</failure>\n    </testcase>\n", xml(bwhy[i]), xml(bnotes[i]) > out
		} else if (bverdict[i] == "skip" && bdir[i] ~ /not run/) {
			printf ">\n      <skipped message=\"%s\"/>\n    </testcase>\n", xml(bdir[i]) > out
		} else {
			printf "/>\n" > out
		}
		printf "    <system-out>%s</system-out>\n", xml(blog[i]) > out
		printf "    <system-err>%s</system-err>\n", xml(bnotes[i]) > out
		printf "  </testsuite>\n" > out
	}
	printf "</testsuites>\n" > out
	close(out)
}
function counts(a, b,    s, k, n, kk) {
	s = ""
	n = split("pass fail xfail xpass skip notrun", kk, " ")
	for (k = 1; k <= n; k++)
		if ((a, kk[k]) in b && b[a, kk[k]] > 0)
			s = s (s == "" ? "" : ", ") b[a, kk[k]] " " (kk[k] == "notrun" ? "not run" : kk[k])
	return s
}
function write_report(    out, i, j, n, id, tok, title, r, nreq, k, tk, nt, t, res, why, verdict, p, d) {
	out = report
	nreq = 0
	while ((getline r < reqfile) > 0) {
		if (r ~ /^#/ || r == "")
			continue
		split(r, w, " ")
		nreq++
		rid[nreq] = w[1]
		tokid[w[2]] = w[1]
		t = r
		sub(/^[^ ]+ [^ ]+ /, "", t)
		rtitle[nreq] = t
	}
	close(reqfile)
	for (j = 1; j <= nc; j++) {
		t = cname[j]
		sub(/^.*\./, "", t)
		nt = split(t, tk, "_")
		for (k = 1; k <= nt; k++) {
			if (!(tk[k] in tokid))
				break
			id = tokid[tk[k]]
			rc[id, cstat[j]]++
			if (!((id, cstat[j]) in rfirst)) {
				rfirst[id, cstat[j]] = j
			}
		}
	}
	# the judgement of runner/verdict.awk, the last line of the KTAP
	verdict = vline
	vdetails = ""
	if (index(verdict, " (")) {
		vdetails = substr(verdict, index(verdict, " (") + 2)
		sub(/\)$/, "", vdetails)
		verdict = substr(verdict, 1, index(verdict, " (") - 1)
	}
	if (verdict == "")
		verdict = "INCOMPLETE"
	print "# VFIO type1 dirty page tracking: certification report" > out
	print "" > out
	print "Written by `runner.sh` of vfio-dirty-selftests. Requirement IDs refer to the" > out
	print "behavioural specification `type1-dirty.md`." > out
	print "" > out
	print "| | |" > out
	print "|---|---|" > out
	print "| Result | **" verdict "** |" > out
	print "| Why | " md(vdetails == "" ? "no verdict line in the KTAP" : vdetails) " |" > out
	if (skipall != "")
		print "| Skipped because | " md(skipall) " |" > out
	for (k = 1; k <= nunexp; k++)
		print "| Unexpected skip | " md(unexp[k]) " |" > out
	for (k = 1; k <= nnever; k++)
		print "| Never ran | " md(never[k]) " |" > out
	print "| Totals | " md(totals == "" ? "none" : totals) " |" > out
	print "| Date (UTC) | " md(envget("date")) " |" > out
	print "| Host | " md(envget("host")) " |" > out
	print "| Command | `" md(envget("runner")) "` |" > out
	print "" > out
	print "## Kernel" > out
	print "" > out
	print "| | |" > out
	print "|---|---|" > out
	print "| Release | `" md(envget("kernel")) "` |" > out
	print "| Version | " md(envget("kernel-version")) " |" > out
	print "| Machine | " md(envget("machine")) " |" > out
	print "| Command line | `" md(envget("cmdline")) "` |" > out
	print "| Taint at start | " md(envget("taint")) " |" > out
	print "| Configuration | " md(envget("config-source") == "" ? "not recorded" : envget("config-source")) " |" > out
	print "" > out
	if (envn["config"] > 0) {
		if (envget("config-source") ~ /^none/)
			print "The kernel configuration is not available on this machine, so the column \"this kernel\" is unknown (?); the options are what the suite needs.\n" > out
		print "| Option | The suite needs | This kernel |" > out
		print "|---|---|---|" > out
		for (p = 1; p <= envn["config"]; p++) {
			split(env["config", p], w, " ")
			print "| " w[1] " | " kv(env["config", p], "want") " | " kv(env["config", p], "have") " |" > out
		}
		print "" > out
	}
	print "## Devices" > out
	print "" > out
	if (envn["device"] + envn["mdev"] == 0)
		print "No device was named: every test that needs one skipped.\n" > out
	if (envn["device"] > 0) {
		print "| Device | Vendor:device | Subsystem | Class | Driver before the run | Driver during the run | IOMMU group | Group members |" > out
		print "|---|---|---|---|---|---|---|---|" > out
		for (p = 1; p <= envn["device"]; p++) {
			d = env["device", p]
			split(d, w, " ")
			print "| " w[1] " | " kv(d, "id") " | " kv(d, "subsystem") " | " kv(d, "class") " | " kv(d, "was") " | " kv(d, "driver") " | " kv(d, "group") " | " kv(d, "group-devices") " |" > out
		}
		print "" > out
	}
	if (envn["mdev"] > 0) {
		print "| mdev | Type | Parent | Driver | IOMMU group |" > out
		print "|---|---|---|---|---|" > out
		for (p = 1; p <= envn["mdev"]; p++) {
			d = env["mdev", p]
			split(d, w, " ")
			print "| " w[1] " | " kv(d, "type") " | " kv(d, "parent") " | " kv(d, "driver") " | " kv(d, "group") " |" > out
		}
		print "" > out
	}
	if (envn["hugepages"] > 0) {
		printf "Hugepages:" > out
		for (p = 1; p <= envn["hugepages"]; p++)
			printf " %s%s", env["hugepages", p], (p < envn["hugepages"] ? ";" : ".") > out
		print "\n" > out
	}
	split("", sum)
	for (n = 1; n <= nreq; n++) {
		id = rid[n]
		if ((id, "fail") in rc || (id, "xpass") in rc)
			res = "fail"
		else if ((id, "notrun") in rc)
			res = "not run"
		else if ((id, "xfail") in rc)
			res = "xfail"
		else if ((id, "pass") in rc)
			res = "pass"
		else if ((id, "skip") in rc)
			res = "skip"
		else
			res = "not covered"
		rres[n] = res
		sum[res]++
	}
	print "## Requirements" > out
	print "" > out
	printf "%d requirement IDs:", nreq > out
	first = 1
	n = split("pass,fail,xfail,skip,not run,not covered", order, ",")
	for (k = 1; k <= n; k++) {
		printf "%s %d %s", (first ? "" : ","), sum[order[k]] + 0, order[k] > out
		first = 0
	}
	print ". A test case covers an ID when its name starts with the ID in lower case (`arg02_...` covers DP-ARG-02); an ID is **fail** if any of its cases failed (or passed while listed as an expected failure), **xfail** if one failed as expected (a known kernel defect), **pass** if the rest passed, **skip** if every case skipped." > out
	print "" > out
	print "| ID | Title | Result | Cases | Reason |" > out
	print "|---|---|---|---|---|" > out
	for (n = 1; n <= nreq; n++) {
		id = rid[n]
		res = rres[n]
		why = ""
		if (res == "fail") {
			j = ((id, "fail") in rfirst) ? rfirst[id, "fail"] : rfirst[id, "xpass"]
			why = "`" cname[j] "`: " creason[j]
		} else if (res == "not run") {
			j = rfirst[id, "notrun"]
			why = creason[j]
		} else if (res == "xfail") {
			j = rfirst[id, "xfail"]
			why = "expected failure: " creason[j]
		} else if (res == "pass" && ((id, "skip") in rc)) {
			j = rfirst[id, "skip"]
			why = "some skipped: " creason[j]
		} else if (res == "skip") {
			j = rfirst[id, "skip"]
			why = creason[j]
		} else if (res == "not covered") {
			why = "no test case in this run cites it"
		}
		print "| " id " | " md(rtitle[n]) " | " (res == "pass" ? "pass" : "**" res "**") " | " counts(id, rc) " | " md(why) " |" > out
	}
	print "" > out
	print "## Test binaries" > out
	print "" > out
	print "| # | Binary | Result | Cases | Time (s) | Notes |" > out
	print "|---|---|---|---|---|---|" > out
	for (i = 1; i <= nb; i++) {
		why = bwhy[i]
		if (why == "" && bdir[i] ~ /not run/)
			why = bdir[i]
		if (why == "" && bc[i, "fail"] + bc[i, "xpass"] > 0) {
			for (j = 1; j <= nc; j++)
				if (cbin[j] == i && (cstat[j] == "fail" || cstat[j] == "xpass"))
					break
			why = "first failure: `" cname[j] "`"
		}
		print "| " i " | " bname[i] " | " bverdict[i] " | " counts(i, bc) " | " btime[i] " | " md(why) " |" > out
	}
	print "" > out
	hdr = 0
	for (j = 1; j <= nc; j++) {
		if (cstat[j] != "fail" && cstat[j] != "xpass" && cstat[j] != "xfail")
			continue
		if (!hdr++)
			print "## Failures and expected failures\n" > out
		print "### " bname[cbin[j]] ": " cname[j] " (" cstat[j] ")\n" > out
		print md(creason[j]) "\n" > out
		if (clog[j] != "")
			print "```\n" clog[j] "```\n" > out
	}
	for (i = 1; i <= nb; i++) {
		if (bverdict[i] != "fail" || bwhy[i] == "")
			continue
		if (!hdr++)
			print "## Failures and expected failures\n" > out
		print "### " bname[i] ": " bwhy[i] "\n" > out
		print "```\n" bnotes[i] "```\n" > out
	}
	close(out)
}
'

# ------------------------------------------------------------------ main

# On EXIT: stop the running test, restore the machine, finish the KTAP
# document and the output files, release the state folder.
cleanup() {
	cl_status=$?
	trap '' INT TERM HUP
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
	if [ "$list_only" = 1 ]; then
		list_plan
		return 0
	fi
	kernel_release=$("${bin}uname" -r)
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
	for m_t in $mdev_types; do
		create_mdev "$m_t"
	done
	[ -n "$devices" ] || log "no device named: tests that need one will SKIP"

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
		run_binary "$m_num" "$m_b" "$m_cases" || true
	done < "$tmp/plan"
	m_rc=0
	judge "$tmp/ktap" > "$tmp/verdict" || m_rc=$?
	while IFS= read -r m_l; do emit "$m_l"; done < "$tmp/verdict"
	m_l=$(tail -n 1 "$tmp/verdict")
	log "${m_l#\# }"
	return "$m_rc"
}

# --from-ktap: judges a saved KTAP document, prints the judgement, writes
# the outputs from it (with this judgement, not the one it may hold), and
# exits with the verdict's status.
judge_saved_ktap() {
	fk_rc=0
	judge "$from_ktap" "$from_ktap" > "$tmp/verdict" || fk_rc=$?
	case $fk_rc in 0 | 1 | 4 | 5) ;; *) die "cannot judge '$from_ktap' (awk failed)" ;; esac
	cat "$tmp/verdict"
	if [ -n "$junit$report" ]; then
		grep -av '^# \(unexpected skip\|never ran\|totals\|verdict\): ' "$from_ktap" > "$tmp/ktap.in" || true
		cat "$tmp/verdict" >> "$tmp/ktap.in"
		write_outputs "$tmp/ktap.in" "$junit" "$report" || exit 2
	fi
	exit "$fk_rc"
}

main "$@"
