# SPDX-License-Identifier: GPL-2.0-only
#
# runner/select.sh - the suite's binaries and the cases --filter selects.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

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
# harness's -l table; for another kind of test (mdev_fixture_test.sh), the
# names its -l prints one a line.
list_cases() {
	lc_cache=$tmp/cases.$1
	if [ ! -f "$lc_cache" ]; then
		{ "$bindir/$1" -l 2>&1 || true; } > "$tmp/l.$1"
		if grep -q '^# FIXTURE' "$tmp/l.$1"; then
			: > "$tmp/harness.$1"
			awk -f "$(runner_file cases.awk)" "$tmp/l.$1" > "$lc_cache"
		else
			grep -E '^[A-Za-z0-9_.-]+$' "$tmp/l.$1" > "$lc_cache" || true
		fi
	fi
	cat "$lc_cache"
}

# Binary $1 is a kselftest harness binary, which runs single cases (-r).
selects_cases() {
	list_cases "$1" > /dev/null
	[ -e "$tmp/harness.$1" ]
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
			if ! selects_cases "$st_b"; then
				# '*:bit09_*' means the binaries that have cases to pick
				case $st_bp in *[*?[]*) continue ;; esac
				die "--filter '$st_f': $st_b runs whole, it cannot run single cases (use --filter $st_b)"
			fi
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
			out_line "$lp_b:$lp_c" || on_signal PIPE 141
		done
	done < "$tmp/plan"
}
