# SPDX-License-Identifier: GPL-2.0-only
#
# runner/ktap.awk - reads the KTAP document runner.sh printed (its
# "# env:" lines, each binary's cases and notes, the verdict.awk lines at the
# end) into arrays, then calls write_junit() (junit.awk) and write_report()
# (report.awk) for the files named by -v junit= and -v report=.
#
#   awk -v junit=FILE -v report=FILE -v reqfile=REQUIREMENTS \
#       -f ktap.awk -f junit.awk -f report.awk KTAP

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
# s without the build host's paths: "/work/x/selftests/foo.c:12:" -> "foo.c:12:"
function nopath(s) {
	while (match(s, /(\/[^ \/:]+)+\/[^ \/:]+\.[ch]:[0-9]/)) {
		p = substr(s, RSTART, RLENGTH)
		sub(/^.*\//, "", p)
		s = substr(s, 1, RSTART - 1) p substr(s, RSTART + RLENGTH)
	}
	return s
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
line ~ /^# unexpected skip: / {
	unexp[++nunexp] = substr(line, 20)
	u = unexp[nunexp]
	unexpkey[substr(u, 1, index(u, ": ") - 1)] = 1
	next
}
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
		} else if (note ~ /^expected kernel splat/) {
			# selftests/splats: reported, never a runner check that failed
			esplat[++nesplat] = bname[cur] ": " note
		} else if (note !~ /^kernel: / && note !~ /^exit status/) {
			if (bwhy[cur] == "")
				bwhy[cur] = note
		}
		next
	}
	blog[cur] = blog[cur] inner "\n"
	if (inner ~ /^#  RUN /) {
		buf = ""
		cites = ""
	}
	if (inner ~ /^# /) {
		# "# cites: DP-ARG-05 DP-ARG-06": the IDs a case checks (tests/README)
		if (inner ~ /^# cites: /)
			cites = cites " " substr(inner, 10)
		buf = buf nopath(substr(inner, 3)) "\n"
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
		ccites[nc] = cites
		cites = ""
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
		else if (st == "fail" && msg != "")
			r = msg "; " r
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
