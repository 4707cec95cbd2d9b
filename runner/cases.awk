# SPDX-License-Identifier: GPL-2.0-only
#
# runner/cases.awk - the full case names (fixture.variant.test) of a
# kselftest harness binary, one a line, from the table its -l prints (columns
# of 20 and 25 characters, wider names push the next column right).

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
END { flush() }
