# SPDX-License-Identifier: GPL-2.0-only
#
# runner/report.awk - write_report(): the certification report in
# Markdown from what ktap.awk read: the verdict, the kernel and its config,
# the devices, a result per requirement ID, the binaries and the failures.

function counts(a, b,    s, k, n, kk) {
	s = ""
	n = split("pass fail xfail xpass skip notrun", kk, " ")
	for (k = 1; k <= n; k++)
		if ((a, kk[k]) in b && b[a, kk[k]] > 0)
			s = s (s == "" ? "" : ", ") b[a, kk[k]] " " (kk[k] == "notrun" ? "not run" : kk[k])
	return s
}
# Where an O (out-of-tree) or E (unsigned) taint comes from: the modules
# the runner saw tainted, else the suite's own test module if it was in use.
function taint_why(    s, n, i, w, mine, other) {
	if (envget("taint-modules") != "") {
		n = split(envget("taint-modules"), w, " ")
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^vfio_dirty_mdev=/)
				mine = w[i]
			else
				other = other (other == "" ? "" : ", ") w[i]
		if (mine != "")
			s = "O/E come from the suite's own test module vfio_dirty_mdev (built out of tree, unsigned: " substr(mine, 17) "), which the mdev tests need; it is not a kernel defect"
		if (other != "")
			s = s (s == "" ? "" : "; ") "other tainting modules: " other
		return s
	}
	for (i = 1; i <= envn["mdev"]; i++)
		if (kv(env["mdev", i], "parent") == "vfio_dirty_mdev")
			return "probably the suite's own test module vfio_dirty_mdev (built out of tree, unsigned), whose mdev this run used; the runner did not record the tainting modules"
	return "not from the suite: no test module of the suite was in use"
}
function write_report(    out, i, j, n, id, tok, title, r, nreq, k, tk, nt, t, res, why, verdict, p, d) {
	out = report
	nreq = 0
	while ((getline r < reqfile) > 0) {
		if (r ~ /^# spec: /)
			reqspec = substr(r, 9)
		if (r ~ /^#/ || r == "")
			continue
		split(r, w, " ")
		nreq++
		rid[nreq] = w[1]
		isreq[w[1]] = 1
		tokid[w[2]] = w[1]
		t = r
		sub(/^[^ ]+ [^ ]+ /, "", t)
		rtitle[nreq] = t
	}
	close(reqfile)
	# a case cites the IDs its test name starts with and those of its
	# "# cites:" lines; only IDs of the requirements file count
	for (j = 1; j <= nc; j++) {
		t = cname[j]
		sub(/^.*\./, "", t)
		nt = split(t, tk, "_")
		nids = 0
		for (k = 1; k <= nt; k++) {
			if (!(tk[k] in tokid))
				break
			ids[++nids] = tokid[tk[k]]
		}
		nt = split(ccites[j], tk, /[ ,]+/)
		for (k = 1; k <= nt; k++)
			if (tk[k] in isreq)
				ids[++nids] = tk[k]
		for (k = 1; k <= nids; k++) {
			id = ids[k]
			if ((id, j) in counted)
				continue
			counted[id, j] = 1
			rc[id, cstat[j]]++
			if (!((id, cstat[j]) in rfirst))
				rfirst[id, cstat[j]] = j
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
	for (k = 1; k <= nesplat; k++)
		print "| Expected kernel splat | " md(esplat[k]) " |" > out
	print "| Totals | " md(totals == "" ? "none" : totals) " |" > out
	print "| Suite version | " md(envget("suite-version") == "" ? "unknown" : envget("suite-version")) " |" > out
	t = envget("spec")
	if ((t == "" || t == "unknown") && reqspec != "")
		t = reqspec " (the requirements file this report was written with)"
	print "| Specification | " md(t == "" ? "unknown (no \"# spec:\" line in the requirements file)" : t) " |" > out
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
	if (envget("taint") ~ /\(.*[OE].*\)/)
		print "| Taint explained | " md(taint_why()) " |" > out
	print "| Configuration | " md(envget("config-source") == "" ? "not recorded" : envget("config-source")) " |" > out
	print "" > out
	if (envn["config"] > 0) {
		if (envget("config-source") ~ /^none/)
			print "The kernel configuration is not available on this machine, so the column \"this kernel\" is unknown (?); the options are what the suite needs.\n" > out
		lacks = ""
		absent = ""
		for (p = 1; p <= envn["config"]; p++) {
			split(env["config", p], w, " ")
			if (kv(env["config", p], "want") == "n")
				continue
			if (kv(env["config", p], "have") == "n")
				lacks = lacks (lacks == "" ? "" : ", ") w[1]
			else if (kv(env["config", p], "have") == "absent")
				absent = absent (absent == "" ? "" : ", ") w[1]
		}
		if (lacks != "")
			print "This kernel lacks " lacks " (not set): the tests that need them skip.\n" > out
		# 6.1 has no CONFIG_VFIO_CONTAINER: its container is always built
		if (absent != "")
			print "Not in this kernel's configuration at all: " absent ". Such an option belongs to another kernel version (what it selects may be built in unconditionally, or missing) or depends on an option that is off; the tests skip only where what they need is absent.\n" > out
		print "| Option | The suite needs | This kernel |" > out
		print "|---|---|---|" > out
		for (p = 1; p <= envn["config"]; p++) {
			split(env["config", p], w, " ")
			have = kv(env["config", p], "have")
			if (have == "n" && kv(env["config", p], "want") != "n")
				have = "**n (missing)**"
			else if (have == "absent")
				have = "not an option of this kernel"
			print "| " w[1] " | " kv(env["config", p], "want") " | " have " |" > out
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
			res = "verified"
		else if ((id, "skip") in rc)
			res = "not verified"
		else
			res = "no case"
		rres[n] = res
		sum[res]++
	}
	print "## Requirements" > out
	print "" > out
	printf "%d requirement IDs:", nreq > out
	first = 1
	n = split("verified,fail,xfail,not run,not verified,no case", order, ",")
	for (k = 1; k <= n; k++) {
		printf "%s %d %s", (first ? "" : ","), sum[order[k]] + 0, order[k] > out
		first = 0
	}
	print ". A test case cites an ID when its name starts with the ID in lower case (`arg02_...` cites DP-ARG-02) or when it prints `# cites: DP-ARG-02`. An ID is **verified** only when a case citing it passed and none failed; **fail** if one of its cases failed (or passed while listed as an expected failure); **xfail** if one failed as expected (a known kernel defect); **not run** if its binary crashed or the run stopped; **not verified** if every case citing it skipped (the reason is the first skip's); **no case** if no case in this run cites it." > out
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
		} else if (res == "verified" && ((id, "skip") in rc)) {
			j = rfirst[id, "skip"]
			why = "some skipped: " creason[j]
		} else if (res == "not verified") {
			j = rfirst[id, "skip"]
			why = "skipped: " creason[j]
		} else if (res == "no case") {
			why = "no test case in this run cites it"
		}
		print "| " id " | " md(rtitle[n]) " | " (res == "verified" ? "verified" : "**" res "**") " | " counts(id, rc) " | " md(why) " |" > out
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
