# SPDX-License-Identifier: GPL-2.0-only
#
# runner/run.sh - running one test binary: its process group, watchdog, KTAP and expected failures.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

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

# Reads the expected-failures list (runner/xfail.awk checks its format) and
# keeps this kernel's entries in $tmp/xfail: BINARY CASE_GLOB ERE REASON,
# tab-separated. A malformed list is a usage error, before any change.
load_xfail() {
	: > "$tmp/xfail"
	[ -f "$xfail_file" ] || return 0
	awk -f "$(runner_file xfail.awk)" "$xfail_file" > "$tmp/xfail.all" || true
	lx_bad=$(grep '^error: ' "$tmp/xfail.all" | head -n 1)
	[ -z "$lx_bad" ] || die "$xfail_file:${lx_bad#error: }"
	cut -f4 "$tmp/xfail.all" | while IFS= read -r lx_re; do
		lx_rc=0
		echo x | grep -qE -e "$lx_re" 2> /dev/null || lx_rc=$?
		[ "$lx_rc" -le 1 ] || { echo "$lx_re"; break; }
	done > "$tmp/xfail.badre"
	[ ! -s "$tmp/xfail.badre" ] ||
		die "$xfail_file: an invalid /ERE/: $(cat "$tmp/xfail.badre")"
	lx_ifs=$IFS
	lx_tab=$(printf '\t')
	while IFS=$lx_tab read -r lx_k lx_rest; do
		# shellcheck disable=SC2254 # the kernel release glob
		case $kernel_release in $lx_k) printf '%s\n' "$lx_rest" >> "$tmp/xfail" ;; esac
	done < "$tmp/xfail.all"
	IFS=$lx_ifs
}

# The expected failures of binary $1 on this kernel, one BINARY<TAB>CASE_GLOB
# <TAB>ERE<TAB>REASON line each (usually none or a few): run_binary() keeps
# them in rb_xfail, so a result is judged without reading a file (busybox
# reads a file a byte at a time, with a poll() before each: thousands of
# system calls a result, the main cost of a lab boot's runner under TCG).
xfail_of() {
	[ -s "$tmp/xfail" ] || return 0
	awk -F '\t' -v b="$1" '$1 == b' "$tmp/xfail"
}

# Sets xf_ere and xf_reason and returns 0 if case $2 of binary $1 is an
# expected failure on this kernel.
xfail_match() {
	if [ "$1" = "$running_bin" ]; then
		xm_list=$rb_xfail
	else
		xm_list=$(xfail_of "$1")
	fi
	[ -n "$xm_list" ] || return 1
	xm_ifs=$IFS
	xm_glob=1
	case $- in *f*) xm_glob=0 ;; esac
	set -f
	IFS=$nl
	xm_rc=1
	for xm_e in $xm_list; do
		xm_r=${xm_e#*"$tab"}
		xm_t=${xm_r%%"$tab"*}
		xm_r=${xm_r#*"$tab"}
		# shellcheck disable=SC2254 # the case glob
		case $2 in
		$xm_t)
			xf_ere=${xm_r%%"$tab"*}
			xf_reason=${xm_r#*"$tab"}
			xm_rc=0
			break
			;;
		esac
	done
	IFS=$xm_ifs
	[ "$xm_glob" = 0 ] || set +f
	return "$xm_rc"
}

# One line of a binary's output: rewrites expected failures, counts, and
# prints it indented as a KTAP comment.
process_line() {
	pl_line=$1
	[ -z "$pl_line" ] || rb_last=$pl_line
	case $pl_line in
	"#  RUN "*) exec 8> "$tmp/case.log" ;;
	"# "*) printf '%s\n' "${pl_line#\# }" >&8 ;;
	esac
	case $pl_line in
	"not ok "*)
		pl_name=${pl_line#not ok * }
		pl_name=${pl_name%% *}
		echo "$pl_name" >&9
		rb_raw_fail=1
		if ! xfail_match "$running_bin" "$pl_name"; then
			rb_bad=1
		elif grep -qE -e "$xf_ere" "$tmp/case.log"; then
			pl_line="ok ${pl_line#not ok } # XFAIL $xf_reason"
		else
			# listed, but not for this failure: a crash, another assertion
			pl_line="$pl_line # listed as an expected failure matching /$xf_ere/, but failed otherwise"
			rb_bad=1
		fi
		rb_results=$((rb_results + 1))
		;;
	"ok "*"# SKIP"*)
		pl_name=${pl_line#ok * }
		echo "${pl_name%% *}" >&9
		rb_results=$((rb_results + 1))
		;;
	"ok "*"# XFAIL"*)
		pl_name=${pl_line#ok * }
		echo "${pl_name%% *}" >&9
		rb_results=$((rb_results + 1))
		;;
	"ok "*)
		pl_name=${pl_line#ok * }
		pl_name=${pl_name%% *}
		echo "$pl_name" >&9
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
	rb_last=""
	# the results seen and the current case's lines, through descriptors
	# opened once (not per line): 9 and 8, closed for the binary itself
	exec 9> "$tmp/seen" 8> "$tmp/case.log"
	rb_xfail=$(xfail_of "$running_bin")
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
		< /dev/null > "$rb_fifo" 2>&1 8>&- 9>&- &
	child=$!
	echo "$child $bindir/$running_bin" > "$state/child"
	start_watchdog "$child"
	while IFS= read -r rb_line || [ -n "$rb_line" ]; do
		process_line "$rb_line"
	done < "$rb_fifo"
	exec 8>&- 9>&-
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
	elif [ -z "$rb_plan" ] && [ "$rb_rc" = 4 ] && [ "$rb_results" = 0 ]; then
		# kselftest's KSFT_SKIP with no KTAP (upstream's VFIO tests without
		# a driver for the device): the binary skipped as a whole
		rb_skip=" exit status 4 (KSFT_SKIP) with no KTAP plan: ${rb_last:-no output}"
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
