# SPDX-License-Identifier: GPL-2.0-only
#
# runner/splat.awk - tells the kernel splats that a known kernel defect
# causes (selftests/splats) from the others, in a kernel log. Shared by
# runner.sh (the log of one binary) and the VM lab (a boot's console).
#
#   awk -v pat=SPLAT_ERE -v mode=strip|expected -f splat.awk ERES LOG
#
# SPLAT_ERE is runner/splat.ere's pattern; ERES has one extended regex a
# line, each on the first line of a splat a known defect causes (an empty
# file: no splat is expected). A splat is expected from a line that matches
# SPLAT_ERE and one of ERES through its "---[ end trace" line, the next line
# that starts another splat (SPLAT_ERE, but not the "Call Trace:" of its own
# stack dump), or 100 lines.
#   mode=strip     prints LOG with the lines of the expected splats made
#                  empty (the others keep their line numbers): what is
#                  left is judged as before (any SPLAT_ERE line fails)
#   mode=expected  prints "N<TAB>LINE" for each expected splat: N the line
#                  of ERES that matched, LINE its first line

function blank() {
	if (mode == "strip")
		print ""
}

FILENAME == ARGV[1] {
	ere[++n] = $0
	next
}

{
	sub(/\r$/, "")
	if (inblk) {
		if ($0 ~ /---\[ end trace/ || ++blk >= 100) {
			inblk = 0
			blank()
			next
		}
		if (!($0 ~ pat) || $0 ~ /Call Trace:/) {
			blank()
			next
		}
		inblk = 0
	}
	if ($0 ~ pat) {
		for (i = 1; i <= n; i++) {
			if ($0 ~ ere[i])
				break
		}
		if (i <= n) {
			inblk = 1
			blk = 0
			if (mode == "expected")
				printf "%d\t%s\n", i, $0
			blank()
			next
		}
	}
	if (mode == "strip")
		print
}
