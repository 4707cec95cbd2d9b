# SPDX-License-Identifier: GPL-2.0-only
#
# runner/outputs.sh - the end of the KTAP document, the verdict, JUnit XML and the report.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

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

# Writes the JUnit XML ($2) and the Markdown report ($3) from the KTAP
# document $1 that this runner printed.
write_outputs() {
	wo_req=$(suite_file requirements)
	[ -f "$wo_req" ] || { [ -z "$3" ] || log "warning: no requirements file ($wo_req): the report lists no requirement"; wo_req=/dev/null; }
	LC_ALL=C tr -d '\000-\010\013\014\016-\037' < "$1" | tr -d '\r' |
		awk -v junit="$2" -v report="$3" -v reqfile="$wo_req" -f "$(runner_file ktap.awk)" \
		-f "$(runner_file junit.awk)" -f "$(runner_file report.awk)" || {
		log "error: cannot write ${2:+$2 }${3:+$3}"
		return 1
	}
	[ -z "$2" ] || log "JUnit XML written to $2"
	[ -z "$3" ] || log "report written to $3"
}

# --from-ktap: judges a saved KTAP document, prints the judgement, writes
# the outputs from it (with this judgement, not the one it may hold), and
# exits with the verdict's status.
judge_saved_ktap() {
	fk_rc=0
	judge "$from_ktap" "${from_ktap##*/}" > "$tmp/verdict" || fk_rc=$?
	case $fk_rc in 0 | 1 | 4 | 5) ;; *) die "cannot judge '$from_ktap' (awk failed)" ;; esac
	cat "$tmp/verdict"
	if [ -n "$junit$report" ]; then
		grep -av '^# \(unexpected skip\|never ran\|totals\|verdict\): ' "$from_ktap" > "$tmp/ktap.in" || true
		cat "$tmp/verdict" >> "$tmp/ktap.in"
		write_outputs "$tmp/ktap.in" "$junit" "$report" || exit 2
	fi
	exit "$fk_rc"
}
