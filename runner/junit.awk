# SPDX-License-Identifier: GPL-2.0-only
#
# runner/junit.awk - write_junit(): the Ant/Jenkins JUnit XML
# (fixtures/runner/junit.xsd) from what ktap.awk read: a testsuite per binary,
# a testcase per case and a "runner_checks" case per binary.

# case j skipped, and verdict.awk found the skip unexpected
function unexpected(j) {
	return cstat[j] == "skip" && ((bname[cbin[j]] ":" cname[j]) in unexpkey)
}
function write_junit(    i, j, s, f, e, k, st, nt, out) {
	out = junit
	s = f = k = nt = 0
	for (j = 1; j <= nc; j++) {
		nt++
		if (cstat[j] == "fail" || cstat[j] == "xpass" || unexpected(j))
			f++
		else if (cstat[j] != "pass")
			s++
	}
	for (i = 1; i <= nb; i++) {
		nt++
		if (bverdict[i] == "fail" && bwhy[i] != "")
			f++
	}
	ts = envget("date")
	printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" > out
	printf "<testsuites name=\"vfio-dirty-selftests\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n", nt, f, s > out
	for (i = 1; i <= nb; i++) {
		cnt = 1
		fl = (bverdict[i] == "fail" && bwhy[i] != "") ? 1 : 0
		sk = 0
		for (j = 1; j <= nc; j++) {
			if (cbin[j] != i)
				continue
			cnt++
			if (cstat[j] == "fail" || cstat[j] == "xpass" || unexpected(j))
				fl++
			else if (cstat[j] != "pass")
				sk++
		}
		printf "  <testsuite name=\"%s\" package=\"vfio_dirty\" id=\"%d\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%d\"", xml(bname[i]), i - 1, cnt, fl, sk, btime[i] + 0 > out
		if (ts ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/)
			printf " timestamp=\"%s\"", ts > out
		if (envget("host") != "")
			printf " hostname=\"%s\"", xml(envget("host")) > out
		printf ">\n    <properties>\n" > out
		if (vline != "")
			printf "      <property name=\"verdict\" value=\"%s\"/>\n", xml(vline) > out
		split("kernel kernel-version machine cmdline taint config-source runner suite-version spec", pk, " ")
		for (p = 1; p <= 9; p++)
			if (envget(pk[p]) != "")
				printf "      <property name=\"%s\" value=\"%s\"/>\n", pk[p], xml(envget(pk[p])) > out
		for (p = 1; p <= envn["device"]; p++)
			printf "      <property name=\"device\" value=\"%s\"/>\n", xml(env["device", p]) > out
		for (p = 1; p <= envn["mdev"]; p++)
			printf "      <property name=\"mdev\" value=\"%s\"/>\n", xml(env["mdev", p]) > out
		printf "    </properties>\n" > out
		for (j = 1; j <= nc; j++) {
			if (cbin[j] != i)
				continue
			st = cstat[j]
			printf "    <testcase classname=\"vfio_dirty.%s\" name=\"%s\" time=\"0\"", xml(bname[i]), xml(cname[j]) > out
			if (st == "pass" && clog[j] == "") {
				printf "/>\n" > out
				continue
			}
			printf ">\n" > out
			if (st == "fail" || st == "xpass")
				printf "      <failure type=\"%s\" message=\"%s\">%s</failure>\n", st, xml(creason[j]), xml(clog[j]) > out
			else if (st == "skip" && unexpected(j))
				printf "      <failure type=\"unexpected-skip\" message=\"%s\">%s</failure>\n", xml("unexpected skip: " creason[j]), xml(clog[j]) > out
			else if (st == "skip")
				printf "      <skipped message=\"%s\"/>\n", xml(creason[j]) > out
			else if (st == "xfail")
				printf "      <skipped message=\"%s\"/>\n", xml("expected failure: " creason[j]) > out
			else if (st == "notrun")
				printf "      <skipped message=\"%s\"/>\n", xml(creason[j]) > out
			if (clog[j] != "")
				printf "      <system-out>%s</system-out>\n", xml(clog[j]) > out
			printf "    </testcase>\n" > out
		}
		printf "    <testcase classname=\"vfio_dirty.%s\" name=\"runner_checks\" time=\"%d\"", xml(bname[i]), btime[i] + 0 > out
		if (bverdict[i] == "fail" && bwhy[i] != "") {
			printf ">\n      <failure type=\"binary\" message=\"%s\">%s</failure>\n    </testcase>\n", xml(bwhy[i]), xml(bnotes[i]) > out
		} else if ((bname[i] ":*") in unexpkey) {
			printf ">\n      <failure type=\"unexpected-skip\" message=\"%s\"/>\n    </testcase>\n", xml("unexpected skip: " bdir[i]) > out
		} else if (bverdict[i] == "skip" && bdir[i] ~ /not run/) {
			printf ">\n      <skipped message=\"%s\"/>\n    </testcase>\n", xml(bdir[i]) > out
		} else {
			printf "/>\n" > out
		}
		printf "    <system-out>%s</system-out>\n", xml(blog[i]) > out
		printf "    <system-err>%s</system-err>\n", xml(bnotes[i]) > out
		printf "  </testsuite>\n" > out
	}
	printf "</testsuites>\n" > out
	close(out)
}
