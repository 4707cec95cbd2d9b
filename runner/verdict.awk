# SPDX-License-Identifier: GPL-2.0-only
#
# verdict.awk - judges a KTAP document printed by runner.sh (a live run's
# copy, a saved stdout, or a board's serial log with other lines mixed in)
# and prints, for the end of that document:
#   # unexpected skip: BINARY:CASE: REASON     one per unexpected skip
#   # never ran: BINARY                         one per planned binary
#   # totals: pass:N fail:N xfail:N xpass:N skip:N
#   # verdict: PASS|FAIL|NOT RUN|INCOMPLETE (details)
# and exits 0 (PASS), 1 (FAIL), 4 (NOT RUN) or 5 (INCOMPLETE).
#
#   awk -f verdict.awk -v expect=FILE -v require=TOKEN,... -v src=NAME KTAP
#
# With live=1 the document is the runner's own, about to be ended by these
# lines: it has no totals yet and is not judged as truncated.
#
# A skip is unexpected when its reason's capability token (the text before
# the first colon) is in `require`, or when `expect` is given and no line
# of it matches: "BINARY_GLOB[:CASE_GLOB] REASON_ERE", CASE_GLOB against the
# full case name (fixture.variant.test, "*" when omitted). A binary that
# skipped as a whole (plan 1..0 # SKIP, or exit 4 without cases) has the
# case name "*", and the runner's own "1..0 # SKIP" the binary "runner.sh".
#
# Verdicts (README "Verdicts"), the first that applies:
#   FAIL        a case failed or passed while listed as an expected failure,
#               a runner check of a binary failed, or a skip was unexpected;
#   INCOMPLETE  a planned binary never ran or was cut short, or the
#               document ends before its "# totals:" line;
#   NOT RUN     no case passed (everything skipped, nothing ran, no KTAP);
#   PASS        otherwise.

# A shell glob as an anchored extended regular expression.
function glob_re(g,    r, i, n, c, inb, first) {
	r = "^"
	n = length(g)
	inb = 0
	for (i = 1; i <= n; i++) {
		c = substr(g, i, 1)
		if (inb) {
			if (c == "]" && !first)
				inb = 0
			else if (c == "\\")
				c = "\\\\"
			r = r c
			first = 0
			continue
		}
		if (c == "*") {
			r = r ".*"
		} else if (c == "?") {
			r = r "."
		} else if (c == "[" && index(substr(g, i + 1), "]")) {
			inb = 1
			first = 1
			r = r "["
			if (substr(g, i + 1, 1) == "!") {
				r = r "^"
				i++
			}
		} else {
			if (c == "\\" && i < n)
				c = substr(g, ++i, 1)
			if (index("\\^$.|+(){}[]*?", c))
				r = r "\\" c
			else
				r = r c
		}
	}
	return r "$"
}

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

function read_expect(    l, f, n) {
	ne = 0
	if (expect == "")
		return
	while ((getline l < expect) > 0) {
		sub(/\r$/, "", l)
		if (l ~ /^[ \t]*(#|$)/)
			continue
		l = trim(l)
		f = l
		sub(/[ \t].*/, "", f)
		ne++
		ere[ne] = trim(substr(l, length(f) + 1))
		n = index(f, ":")
		eb[ne] = glob_re(n ? substr(f, 1, n - 1) : f)
		ec[ne] = glob_re(n ? substr(f, n + 1) : "*")
		# compiles the patterns now: a bad one fails before any run
		if ("" ~ ere[ne] || "" ~ eb[ne] || "" ~ ec[ne])
			continue
	}
	close(expect)
}

# 1 if the skip of case c of binary b with reason r is unexpected.
function unexpected(b, c, r,    tok, i) {
	tok = r
	if (index(tok, ":"))
		tok = substr(tok, 1, index(tok, ":") - 1)
	else
		tok = ""
	tok = trim(tok)
	if (tok != "" && index("," require ",", "," tok ","))
		return 1
	if (expect == "")
		return 0
	for (i = 1; i <= ne; i++)
		if (b ~ eb[i] && c ~ ec[i] && r ~ ere[i])
			return 0
	return 1
}

function skip_seen(b, c, r) {
	nskip++
	if (unexpected(b, c, r)) {
		nunexp++
		uline[nunexp] = b ":" c ": " (r == "" ? "(no reason given)" : r)
	}
}

BEGIN {
	read_expect()
	nb = 0
	cur = 0
}

{
	sub(/\r$/, "")
	line = $0
}

line == "TAP version 13" || line == "KTAP version 1" {
	tap = 1
	next
}
line ~ /^1\.\.[0-9]+/ {
	if (plan != "")
		next
	tap = 1
	plan = line
	sub(/^1\.\./, "", plan)
	sub(/[^0-9].*/, "", plan)
	if (line ~ /^1\.\.0 # SKIP/) {
		runskip = substr(line, 13)
		skip_seen("runner.sh", "*", runskip)
	}
	next
}
line ~ /^# env: binaries: / {
	nplanned = split(substr(line, 18), planned, " ")
	next
}
line ~ /^# env: interrupted: / {
	interrupted = substr(line, 21)
	next
}
line ~ /^# totals: / {
	totals_seen = 1
	next
}
line ~ /^# selftests: / {
	n = split(line, w, " ")
	nb++
	bname[nb] = w[n]
	bidx[w[n]] = nb
	cur = nb
	next
}
line ~ /^(not )?ok [0-9]+ selftests: / {
	rest = line
	sub(/^(not )?ok [0-9]+ selftests: ([^ ]*: )?/, "", rest)
	name = rest
	sub(/ .*/, "", name)
	i = (name in bidx) ? bidx[name] : 0
	if (!i) {
		nb++
		i = nb
		bname[nb] = name
		bidx[name] = nb
	}
	d = ""
	if (index(rest, " # "))
		d = substr(rest, index(rest, " # ") + 3)
	bdone[i] = 1
	if (line ~ /^not ok/) {
		if (d ~ /^interrupted by /)
			bint[i] = d
		else
			bfail[i] = 1
	} else if (d ~ /^SKIP not run: /) {
		bnotrun[i] = substr(d, 15)
	} else if (d ~ /^SKIP/ && ncases[i] == 0) {
		r = (i in bskip) ? bskip[i] : trim(substr(d, 5))
		skip_seen(bname[i], "*", r)
	}
	cur = 0
	next
}
cur && line ~ /^# / {
	inner = substr(line, 3)
	if (index(inner, "[" bname[cur] "] ") == 1) {
		note = substr(inner, length(bname[cur]) + 4)
		if (note ~ /^not run: /)
			nnotrun++
		else if (note !~ /^kernel: / && note !~ /^exit status / && note !~ /^interrupted by /)
			bcheck[cur] = 1
		next
	}
	if (inner ~ /^1\.\.0 # SKIP/) {
		bskip[cur] = trim(substr(inner, 13))
		next
	}
	if (inner !~ /^(not )?ok [0-9]+ /)
		next
	rest = inner
	sub(/^(not )?ok [0-9]+ /, "", rest)
	name = rest
	sub(/ .*/, "", name)
	d = ""
	if (index(rest, " # "))
		d = substr(rest, index(rest, " # ") + 3)
	ncases[cur]++
	if (inner ~ /^not /) {
		if (d ~ /^XPASS/)
			nxpass++
		else
			ncfail++
	} else if (d ~ /^SKIP/) {
		skip_seen(bname[cur], name, trim(substr(d, 5)))
	} else if (d ~ /^(XFAIL|TODO)/) {
		nxfail++
	} else {
		npass++
	}
	next
}

function plural(n, s) {
	return n " " s (n == 1 ? "" : "s")
}

function add(s) {
	details = details (details == "" ? "" : "; ") s
}

END {
	nbcheck = 0
	for (i = 1; i <= nb; i++) {
		if (bfail[i] && (bcheck[i] || ncases[i] == 0))
			nbcheck++
		if (!bdone[i] && !(i in bint))
			cut = cut " " bname[i]
		if (i in bint)
			intr = intr " " bname[i]
		if (i in bnotrun)
			notrun = notrun " " bname[i]
	}
	# binaries of the plan that never started
	if (nplanned > 0) {
		for (k = 1; k <= nplanned; k++)
			if (!(planned[k] in bidx))
				never = never " " planned[k]
	} else if (plan != "" && nb < plan + 0) {
		nnever = plan - nb
	}
	for (k = 1; k <= nunexp; k++)
		print "# unexpected skip: " uline[k]
	nn = split(never, nev, " ")
	for (k = 1; k <= nn; k++)
		print "# never ran: " nev[k]
	fail = ncfail + nbcheck
	printf "# totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d\n", npass, fail, nxfail, nxpass, nskip

	details = ""
	if (ncfail)
		add(plural(ncfail, "case") " failed")
	if (nxpass)
		add(plural(nxpass, "expected failure") " passed (XPASS)")
	if (nbcheck)
		add(plural(nbcheck, "runner check") " failed")
	if (nunexp)
		add(plural(nunexp, "unexpected skip"))
	if (fail + nxpass + nunexp > 0) {
		verdict = "FAIL"
		code = 1
	}
	inc = ""
	if (interrupted != "")
		inc = inc (inc == "" ? "" : ", ") "interrupted by " interrupted
	if (never != "")
		inc = inc (inc == "" ? "" : ", ") "never ran:" never
	if (nnever)
		inc = inc (inc == "" ? "" : ", ") nnever " of " plan " binaries never ran"
	if (cut != "")
		inc = inc (inc == "" ? "" : ", ") "cut short:" cut
	if (intr != "" && interrupted == "")
		inc = inc (inc == "" ? "" : ", ") "interrupted:" intr
	if (!live && tap && plan != "" && !totals_seen && inc == "")
		inc = "the log ends before its totals line"
	else if (!live && tap && plan != "" && !totals_seen && interrupted == "")
		inc = inc ", the log ends early"
	if (notrun != "")
		add("not run after a damaged kernel:" notrun)
	if (inc != "" && code == 0) {
		verdict = "INCOMPLETE"
		code = 5
	}
	if (inc != "")
		add(inc)
	if (code == 0 && npass == 0) {
		verdict = "NOT RUN"
		code = 4
		if (!tap || plan == "")
			add("no KTAP plan" (src == "" ? "" : " in " src))
		else if (runskip != "")
			add("skipped: " runskip)
		else
			add("no case passed")
	}
	if (code == 0) {
		verdict = "PASS"
		add(plural(npass, "case") " passed")
	}
	if (nxfail)
		add(plural(nxfail, "expected failure"))
	if (nskip - nunexp > 0) {
		if (expect != "" || require != "")
			add(plural(nskip - nunexp, "expected skip") ", not verified")
		else
			add(plural(nskip, "skip") ", not verified (no --require or --expect-skips)")
	}
	print "# verdict: " verdict " (" details ")"
	exit code
}
