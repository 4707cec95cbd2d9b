# SPDX-License-Identifier: GPL-2.0-only
#
# runner/options.sh - the command line, config files and their checks.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

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
  --driver DRV      bind the PCI device of the --device just before to DRV
                    instead of vfio-pci: vfio-pci or vfio_dirty_pci (the
                    suite's pinning variant driver of QEMU's edu,
                    fixtures/kmod; it must be loaded); restored like vfio-pci
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
                      --filter '*:*_hugetlb_1g.*'          every 1G hugetlb variant
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
  129, 130, 141, 143  interrupted by SIGHUP, SIGINT, SIGPIPE (the reader of
     stdout is gone), SIGTERM; after restoring, the verdict is INCOMPLETE
USAGE
}

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
	last_pci=
	! is_pci_name "$ad" || last_pci=$ad
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
	driver) set_driver "$2" ;;
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
		--expect-skips | --driver)
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
	if [ -n "$xfail_file" ] && { [ ! -f "$xfail_file" ] || [ ! -r "$xfail_file" ]; }; then
		die "--xfail: cannot read '$xfail_file'"
	fi
	check_writable --junit "$junit"
	check_writable --report "$report"
	if [ -n "$from_ktap" ]; then
		if [ ! -f "$from_ktap" ] || [ ! -r "$from_ktap" ]; then
			die "cannot read '$from_ktap'"
		fi
	fi
	check_verdict_options
}

# The output file $2 of option $1 must be writable, before the run changes
# anything; a file that did not exist is not left behind.
check_writable() {
	[ -n "$2" ] || return 0
	[ ! -d "$2" ] || die "$1: '$2' is a directory"
	cw_new=0
	[ -e "$2" ] || cw_new=1
	if ! (: >> "$2") 2> /dev/null; then
		die "$1: cannot write '$2'"
	fi
	[ "$cw_new" = 0 ] || rm -f "$2"
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
