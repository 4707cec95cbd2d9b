# SPDX-License-Identifier: GPL-2.0-only
#
# runner/xfail.awk - reads the expected-failures list (selftests/xfail, see
# its header) and prints each entry as five tab-separated fields:
#   KERNEL_GLOB BINARY CASE_GLOB ERE REASON
# with the ERE's "\/" unescaped. A line that is not
#   KERNEL_GLOB BINARY CASE_GLOB /ERE/ REASON
# is printed as "error: LINE: why" and makes the exit status 1.

function bad(why) {
	print "error: " FNR ": " why
	err = 1
}

/^[ \t]*(#|$)/ { next }
NF < 5 {
	bad("not 'KERNEL_GLOB BINARY CASE_GLOB /ERE/ REASON'")
	next
}
{
	sub(/\r$/, "")
	rest = $0
	for (f = 1; f <= 3; f++) {
		sub(/^[ \t]*[^ \t]+/, "", rest)
	}
	sub(/^[ \t]+/, "", rest)
	if (substr(rest, 1, 1) != "/") {
		bad("no /ERE/ of the expected failure's assertion text after the case glob")
		next
	}
	ere = ""
	n = length(rest)
	for (i = 2; i <= n; i++) {
		c = substr(rest, i, 1)
		if (c == "\\" && substr(rest, i + 1, 1) == "/") {
			ere = ere "/"
			i++
			continue
		}
		if (c == "\\") {
			ere = ere c substr(rest, i + 1, 1)
			i++
			continue
		}
		if (c == "/")
			break
		ere = ere c
	}
	reason = substr(rest, i + 1)
	sub(/^[ \t]+/, "", reason)
	if (i > n)
		bad("the /ERE/ has no closing slash")
	else if (ere == "")
		bad("an empty /ERE/ would match any failure")
	else if (reason == "")
		bad("no reason after the /ERE/")
	else
		printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, ere, reason
}
END { exit err }
