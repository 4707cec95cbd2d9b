// SPDX-License-Identifier: GPL-2.0-only
/*
 * The part of main() every test binary shares: --help without a device.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"

int vfio_dirty_main(int argc, char **argv, const char *help)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help"))
			continue;
		printf("%s\n\n%s", help,
		       "Usage: TEST [harness options] [DEVICE...]\n"
		       "\n"
		       "DEVICE is a PCI address bound to vfio-pci (0000:00:03.0) or an mdev\n"
		       "UUID, as the last arguments or in VFIO_DIRTY_DEVICES (space or comma\n"
		       "separated). Tests whose device is missing SKIP with the reason.\n"
		       "\n"
		       "Harness options:\n"
		       "  -l          list every test (fixture.variant.test) and exit\n"
		       "  -h          the harness's own option summary\n"
		       "  -f NAME     run only fixture NAME      -F NAME  skip it\n"
		       "  -v NAME     run only variant NAME      -V NAME  skip it\n"
		       "  -t NAME     run only test NAME         -T NAME  skip it\n"
		       "  -r F.V.T    run only fixture.variant.test\n"
		       "\n"
		       "Output is KTAP on stdout; exit status 0 pass, 1 fail, 4 all skipped.\n"
		       "Requirement IDs (DP-...) refer to the type1 dirty tracking specification.\n");
		return 0;
	}
	return -1;
}
