#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs the vfio-dirty-selftests binaries against the devices named on the
# command line and prints one KTAP document on stdout.
#
# Safety: only devices named with --device are touched. Each is bound to
# vfio-pci through driver_override after its original driver and override
# were saved, and everything is restored on every exit path (normal end,
# failure, SIGINT, SIGTERM, SIGHUP). A device that is in use (a mounted
# block device, a network interface that is up) is refused unless --force.
set -eu

usage() {
	cat <<'USAGE'
Usage: runner.sh [options] [--device BDF|UUID]... [--mdev-type TYPE]...

Runs every test binary of the suite (tests.list next to this script, else
every *_test file here) against the named devices and prints one KTAP
document on stdout; diagnostics are KTAP comments on stderr.

Options:
  --device DEV     a PCI address (0000:00:03.0) to bind to vfio-pci for the
                   run, or an mdev UUID; repeatable
  --mdev-type TYPE create one mdev of TYPE (as named under a parent's
                   mdev_supported_types/) for the run, pass its UUID to the
                   tests, and remove it at exit; repeatable
  --filter GLOB    run only binaries whose name matches GLOB
  --list           list the binaries and their tests, bind nothing
  --xfail FILE     expected-failures list (default: xfail next to this script)
  --timeout SEC    per-binary time limit (default: settings file, else 3600)
  --force          bind a device even if it looks in use
  --help           this text

Exit status: 0 when nothing failed unexpectedly, 1 when a test failed (or an
expected failure passed), 2 for bad usage or a device that cannot be used.
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
devices=""
mdev_types=""
filter="*"
list_only=0
force=0
xfail_file=$here/xfail
timeout_s=""
state=""
tmp=""

log() {
	printf '# runner: %s\n' "$*" >&2
}

die() {
	printf '# runner: error: %s\n' "$*" >&2
	exit 2
}

sysfs_write() {
	log "write '$1' > $2"
	printf '%s\n' "$1" > "$2"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--device) [ $# -ge 2 ] || die "--device needs a value"; devices="$devices $2"; shift ;;
		--mdev-type) [ $# -ge 2 ] || die "--mdev-type needs a value"; mdev_types="$mdev_types $2"; shift ;;
		--filter) [ $# -ge 2 ] || die "--filter needs a value"; filter=$2; shift ;;
		--xfail) [ $# -ge 2 ] || die "--xfail needs a value"; xfail_file=$2; shift ;;
		--timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout_s=$2; shift ;;
		--list) list_only=1 ;;
		--force) force=1 ;;
		--help|-h) usage; exit 0 ;;
		*) die "unknown argument '$1' (see --help)" ;;
		esac
		shift
	done
	if [ -z "$timeout_s" ]; then
		timeout_s=$(sed -n 's/^timeout=//p' "$here/settings" 2>/dev/null || true)
		timeout_s=${timeout_s:-3600}
	fi
}

is_pci_name() {
	case $1 in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) return 0 ;;
	esac
	return 1
}

is_named() {
	for d in $devices; do
		[ "$d" = "$1" ] && return 0
	done
	return 1
}

driver_of() {
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
	fi
}

# A device is in use when one of its block devices is mounted or held, or
# one of its network interfaces is up.
check_not_in_use() {
	dev=/sys/bus/pci/devices/$1
	for net in "$dev"/net/*; do
		[ -e "$net" ] || continue
		if [ "$(cat "$net/operstate" 2>/dev/null)" = up ]; then
			echo "network interface $(basename "$net") is up"
			return 1
		fi
	done
	find "$dev"/ -maxdepth 5 -name dev -path '*/block/*' 2>/dev/null |
	while read -r blk; do
		name=$(basename "$(dirname "$blk")")
		if grep -q "^/dev/${name}p*[0-9]* " /proc/mounts 2>/dev/null; then
			echo "block device $name is mounted"
			return 1
		fi
		if [ -n "$(ls "$(dirname "$blk")/holders" 2>/dev/null)" ]; then
			echo "block device $name is held by another device"
			return 1
		fi
	done
}

bind_pci() {
	bdf=$1
	dev=/sys/bus/pci/devices/$bdf
	[ -e "$dev" ] || die "$bdf: no such PCI device"
	[ -e "$dev/iommu_group" ] ||
		die "$bdf: no IOMMU group (enable the IOMMU, e.g. intel_iommu=on or amd_iommu=on)"
	group=$(basename "$(readlink "$dev/iommu_group")")
	for other in "$dev"/iommu_group/devices/*; do
		o=$(basename "$other")
		[ "$o" = "$bdf" ] && continue
		is_named "$o" && continue
		case $(driver_of "$o") in
		""|vfio-pci|pci-stub|pcieport) ;;
		*) die "$bdf: IOMMU group $group also holds $o ($(driver_of "$o")); name it too or unbind it" ;;
		esac
	done
	drv=$(driver_of "$bdf")
	override=$(cat "$dev/driver_override" 2>/dev/null || echo "(null)")
	[ "$override" = "(null)" ] && override=""
	if [ "$drv" != vfio-pci ] && [ -n "$drv" ] && [ "$force" = 0 ]; then
		why=$(check_not_in_use "$bdf") || die "$bdf is in use: $why (use --force to take it anyway)"
	fi
	# Saved before any change, so a restore always knows the way back.
	printf '%s %s %s\n' "$bdf" "${drv:--}" "${override:--}" >> "$state/devices"
	[ "$drv" = vfio-pci ] && { log "$bdf: already bound to vfio-pci (group $group)"; return 0; }
	if [ ! -d /sys/bus/pci/drivers/vfio-pci ]; then
		modprobe vfio-pci 2>/dev/null || die "vfio-pci driver not available (modprobe vfio-pci failed)"
	fi
	sysfs_write vfio-pci "$dev/driver_override"
	[ -n "$drv" ] && sysfs_write "$bdf" "$dev/driver/unbind"
	sysfs_write "$bdf" /sys/bus/pci/drivers_probe
	[ "$(driver_of "$bdf")" = vfio-pci ] || die "$bdf: vfio-pci did not bind (see dmesg)"
	log "$bdf: bound to vfio-pci (group $group, was ${drv:-unbound})"
}

# Creates one instance of mdev type $1 and adds its UUID to the devices.
create_mdev() {
	type_dir=""
	for t in /sys/class/mdev_bus/*/mdev_supported_types/"$1"; do
		[ -d "$t" ] && type_dir=$t && break
	done
	[ -n "$type_dir" ] || die "mdev type $1: no parent offers it (is its driver loaded?)"
	avail=$(cat "$type_dir/available_instances" 2>/dev/null || echo 0)
	[ "$avail" -gt 0 ] || die "mdev type $1: no instance available"
	uuid=$(cat /proc/sys/kernel/random/uuid)
	# Saved before the create, so a restore removes it even if we die now.
	echo "$uuid" >> "$state/mdevs"
	sysfs_write "$uuid" "$type_dir/create"
	[ -e "/sys/bus/mdev/devices/$uuid" ] || die "mdev type $1: $uuid did not appear"
	devices="$devices $uuid"
	log "$uuid: created mdev of type $1"
}

remove_mdevs() {
	[ -n "$state" ] && [ -f "$state/mdevs" ] || return 0
	while read -r uuid; do
		if [ -e "/sys/bus/mdev/devices/$uuid/remove" ]; then
			sysfs_write 1 "/sys/bus/mdev/devices/$uuid/remove" ||
				log "$uuid: could not remove"
			log "$uuid: removed"
		fi
	done < "$state/mdevs"
	rm -f "$state/mdevs"
}

restore_devices() {
	[ -n "$state" ] && [ -f "$state/devices" ] || return 0
	# Newest first, in case a device was named twice.
	sed '1!G;h;$!d' "$state/devices" | while read -r bdf drv override; do
		dev=/sys/bus/pci/devices/$bdf
		[ "$drv" = vfio-pci ] && continue
		[ "$(driver_of "$bdf")" = vfio-pci ] && sysfs_write "$bdf" "$dev/driver/unbind"
		if [ "$override" = - ]; then
			sysfs_write "" "$dev/driver_override"
		else
			sysfs_write "$override" "$dev/driver_override"
		fi
		if [ "$drv" != - ]; then
			sysfs_write "$bdf" "/sys/bus/pci/drivers/$drv/bind" ||
				log "$bdf: could not rebind to $drv"
		fi
		if [ "$drv" = - ]; then
			log "$bdf: restored (no driver)"
		else
			log "$bdf: restored to $drv"
		fi
	done
	rm -f "$state/devices"
}

cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	remove_mdevs || status=2
	restore_devices || status=2
	[ -n "$tmp" ] && rm -rf "$tmp"
	[ -n "$state" ] && rmdir "$state" 2>/dev/null
	exit "$status"
}

binaries() {
	if [ -f "$here/tests.list" ]; then
		cat "$here/tests.list"
	else
		for f in "$here"/*_test; do
			[ -x "$f" ] && basename "$f"
		done
	fi
}

# Prints the reason if test $2 of binary $1 is an expected failure on this kernel.
xfail_reason() {
	[ -f "$xfail_file" ] || return 1
	rel=$(uname -r)
	while read -r kglob bin tglob reason; do
		case $kglob in ""|\#*) continue ;; esac
		[ "$bin" = "$1" ] || continue
		# shellcheck disable=SC2254
		case $rel in $kglob) ;; *) continue ;; esac
		# shellcheck disable=SC2254
		case $2 in $tglob) echo "$reason"; return 0 ;; esac
	done < "$xfail_file"
	return 1
}

taint() {
	cat /proc/sys/kernel/tainted 2>/dev/null || echo 0
}

kernel_warnings() {
	dmesg 2>/dev/null | grep -c -E 'WARNING:|BUG:|Oops|general protection fault' || true
}

# Runs one binary, rewrites its KTAP (expected failures), prints it
# indented as comments, and adds to the totals. Returns 1 on failure.
run_binary() {
	num=$1 bin=$2
	out=$tmp/$bin.out
	taint0=$(taint)
	warn0=$(kernel_warnings)
	echo "# selftests: vfio_dirty: $bin"
	rc=0
	# shellcheck disable=SC2086
	VFIO_DIRTY_DEVICES="$devices" timeout "$timeout_s" "$here/$bin" $devices \
		> "$out" 2>&1 || rc=$?
	bad=0
	while IFS= read -r line; do
		case $line in
		"not ok "*)
			name=${line#not ok * }
			name=${name%% *}
			if reason=$(xfail_reason "$bin" "$name"); then
				line="ok ${line#not ok } # XFAIL $reason"
				n_xfail=$((n_xfail + 1))
			else
				n_fail=$((n_fail + 1))
				bad=1
			fi
			;;
		"ok "*"# SKIP"*)
			n_skip=$((n_skip + 1))
			;;
		"ok "*)
			name=${line#ok * }
			name=${name%% *}
			if reason=$(xfail_reason "$bin" "$name"); then
				line="not ok ${line#ok } # XPASS expected to fail: $reason"
				n_xpass=$((n_xpass + 1))
				bad=1
			else
				n_pass=$((n_pass + 1))
			fi
			;;
		esac
		printf '# %s\n' "$line"
	done < "$out"
	if [ "$rc" = 124 ]; then
		echo "# $bin: timed out after $timeout_s s"
		n_fail=$((n_fail + 1))
		bad=1
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$bad" = 0 ]; then
		# The harness exits non-zero for failures we forgave above; anything
		# else (a crash, a signal) with no failing test line is a failure.
		if ! grep -q '^not ok ' "$out"; then
			echo "# $bin: exited with status $rc"
			n_fail=$((n_fail + 1))
			bad=1
		fi
	fi
	if [ "$(taint)" != "$taint0" ]; then
		echo "# $bin: kernel taint changed from $taint0 to $(taint)"
		bad=1
	fi
	if [ "$(kernel_warnings)" != "$warn0" ]; then
		echo "# $bin: the kernel logged a warning or oops:"
		dmesg | grep -A 20 -E 'WARNING:|BUG:|Oops|general protection fault' | tail -40 |
			sed 's/^/#   /'
		bad=1
	fi
	if [ "$bad" = 0 ]; then
		echo "ok $num selftests: vfio_dirty: $bin"
	else
		echo "not ok $num selftests: vfio_dirty: $bin"
	fi
	return "$bad"
}

main() {
	parse_args "$@"
	bins=$(binaries | while read -r b; do
		# shellcheck disable=SC2254
		case $b in $filter) echo "$b" ;; esac
	done)
	[ -n "$bins" ] || die "no test binary matches '$filter' in $here"

	if [ "$list_only" = 1 ]; then
		for b in $bins; do
			echo "$b:"
			"$here/$b" -l 2>&1 | sed 's/^/  /'
		done
		return 0
	fi

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	tmp=$(mktemp -d /tmp/vfio-dirty.XXXXXX)
	state=${VFIO_DIRTY_STATE:-/run/vfio-dirty-selftests}
	mkdir -p "$state" 2>/dev/null || state=$tmp
	for d in $devices; do
		if is_pci_name "$d"; then
			bind_pci "$d"
		elif [ -e "/sys/bus/mdev/devices/$d" ]; then
			log "$d: mdev"
		else
			die "$d: not a PCI address (dddd:bb:dd.f) or an existing mdev UUID"
		fi
	done
	for t in $mdev_types; do
		create_mdev "$t"
	done
	[ -n "$devices" ] || log "no device named: tests that need one will SKIP"

	n_pass=0 n_fail=0 n_xfail=0 n_xpass=0 n_skip=0
	total=$(echo "$bins" | wc -l)
	echo "TAP version 13"
	echo "1..$total"
	num=0 failed=0
	for b in $bins; do
		num=$((num + 1))
		run_binary "$num" "$b" || failed=1
	done
	echo "# totals: pass:$n_pass fail:$n_fail xfail:$n_xfail xpass:$n_xpass skip:$n_skip"
	return "$failed"
}

main "$@"
