// SPDX-License-Identifier: GPL-2.0-only
/*
 * The part of main() every test binary shares: --help without a device, the
 * device arguments, and the exit status of a run.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "vfio_dirty_main.h"

int vfio_dirty_main(int *argc, char **argv, const char *help)
{
	char why[256] = "";
	int i, n;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--help"))
			continue;
		printf("%s\n\n%s", help,
		       "Usage: TEST [harness options] [DEVICE...]\n"
		       "\n"
		       "DEVICE is a PCI address bound to vfio-pci (0000:00:03.0) or an mdev\n"
		       "UUID, as arguments or in VFIO_DIRTY_DEVICES (space or comma separated).\n"
		       "An argument that is neither is an error (exit 1), and so is a named\n"
		       "device that cannot be set up. A test whose device, kernel feature or\n"
		       "memory backing is absent SKIPs; its reason starts with a capability\n"
		       "token (\"pci: ...\", \"hugetlb_1g: ...\"; see the capabilities file).\n"
		       "\n"
		       "Harness options:\n"
		       "  -l          list every test (fixture.variant.test) and exit\n"
		       "  -h          the harness's own option summary\n"
		       "  -f NAME     run only fixture NAME      -F NAME  skip it\n"
		       "  -v NAME     run only variant NAME      -V NAME  skip it\n"
		       "  -t NAME     run only test NAME         -T NAME  skip it\n"
		       "  -r F.V.T    run only fixture.variant.test\n"
		       "\n"
		       "Output is KTAP on stdout. Exit status: 0 when at least one case passed\n"
		       "and none failed, 1 on any failure or when the selection matches no case,\n"
		       "4 (KSFT_SKIP) when every case skipped.\n"
		       "Requirement IDs (DP-...) refer to the type1 dirty tracking specification.\n");
		return 0;
	}
	n = device_args_take(*argc, argv, why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], why);
		printf("Bail out! %s\n", why);
		return 1;
	}
	*argc = n;
	return -1;
}

int vfio_dirty_exit_status(unsigned int pass, unsigned int fail, unsigned int xfail,
			   unsigned int xpass, unsigned int skip, unsigned int error,
			   char *msg, size_t msg_len)
{
	unsigned int ran = pass + fail + xfail + xpass + skip + error;

	msg[0] = '\0';
	if (fail || xpass || error) {
		snprintf(msg, msg_len, "exit 1: %u failed, %u passed unexpectedly, %u errors",
			 fail, xpass, error);
		return 1;
	}
	if (!ran) {
		snprintf(msg, msg_len,
			 "exit 1: no case matches the selection (see -l for the case names)");
		return 1;
	}
	if (!pass && !xfail) {
		snprintf(msg, msg_len, "exit 4: all %u cases skipped, nothing was tested", skip);
		return 4;
	}
	return 0;
}
