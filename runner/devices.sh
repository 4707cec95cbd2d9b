# SPDX-License-Identifier: GPL-2.0-only
#
# runner/devices.sh - devices, mdevs, hugepages and the state folder that restores them.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

is_pci_name() {
	case $1 in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) return 0 ;;
	esac
	return 1
}

is_uuid() {
	case $1 in
	????????-????-????-????-????????????) ;;
	*) return 1 ;;
	esac
	case $1 in
	*[!0-9a-f-]*) return 1 ;;
	esac
	return 0
}

is_named() {
	case " $devices " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

pci_dev() {
	echo "$sysfs/bus/pci/devices/$1"
}

# The drivers --driver may name: vfio-pci, and the suite's variant driver.
bindable_driver() {
	case $1 in
	vfio-pci | vfio_dirty_pci) return 0 ;;
	esac
	return 1
}

# --driver DRV: for the PCI device of the --device just before it.
set_driver() {
	bindable_driver "$1" ||
		die "--driver: '$1' is not a driver the runner binds (vfio-pci, vfio_dirty_pci)"
	[ -n "$last_pci" ] || die "--driver $1 must follow the --device (a PCI address) it is for"
	case " $drivers " in
	*" $last_pci="*) die "--driver: $last_pci has a driver already" ;;
	esac
	drivers="${drivers:+$drivers }$last_pci=$1"
	last_pci=
}

# The driver the run binds PCI device $1 to.
wanted_driver() {
	for wd_e in $drivers; do
		if [ "${wd_e%%=*}" = "$1" ]; then
			echo "${wd_e#*=}"
			return 0
		fi
	done
	echo vfio-pci
}

driver_of() {
	if [ -e "$(pci_dev "$1")/driver" ]; then
		basename "$(readlink "$(pci_dev "$1")/driver")"
	fi
}

group_of() {
	if [ -e "$(pci_dev "$1")/iommu_group" ]; then
		basename "$(readlink "$(pci_dev "$1")/iommu_group")"
	fi
}

pci_id() {
	id_v=$(cat "$(pci_dev "$1")/vendor" 2>/dev/null || echo 0x????)
	id_d=$(cat "$(pci_dev "$1")/device" 2>/dev/null || echo 0x????)
	echo "${id_v#0x}:${id_d#0x}"
}

# Prints why device $1 is in use and returns 1, or returns 0: one of its
# block devices (or partitions) is mounted, used as swap or held by another
# block device, or one of its network interfaces is up.
check_not_in_use() {
	ciu_real=$(readlink -f "$(pci_dev "$1")")
	for ciu_n in "$sysfs"/class/net/*; do
		[ -e "$ciu_n" ] || continue
		case $(readlink -f "$ciu_n") in "$ciu_real"/*) ;; *) continue ;; esac
		ciu_flags=$(cat "$ciu_n/flags" 2>/dev/null || echo 0)
		if [ $((ciu_flags & 1)) = 1 ] || [ "$(cat "$ciu_n/operstate" 2>/dev/null)" = up ]; then
			echo "network interface ${ciu_n##*/} is up"
			return 1
		fi
	done
	for ciu_b in "$sysfs"/class/block/*; do
		[ -e "$ciu_b" ] || continue
		case $(readlink -f "$ciu_b") in "$ciu_real"/*) ;; *) continue ;; esac
		ciu_name=${ciu_b##*/}
		ciu_mm=$(cat "$ciu_b/dev" 2>/dev/null || true)
		if [ -n "$ciu_mm" ] &&
			awk -v mm="$ciu_mm" '$3 == mm { f = 1 } END { exit !f }' "$procfs/self/mountinfo" 2>/dev/null; then
			echo "block device $ciu_name is mounted"
			return 1
		fi
		if grep -q "^/dev/$ciu_name " "$procfs/mounts" "$procfs/swaps" 2>/dev/null; then
			echo "block device $ciu_name is mounted or used as swap"
			return 1
		fi
		for ciu_h in "$ciu_b"/holders/*; do
			if [ -e "$ciu_h" ]; then
				echo "block device $ciu_name is held by ${ciu_h##*/}"
				return 1
			fi
		done
	done
	return 0
}

# Read-only checks of every named device, before anything changes.
preflight_devices() {
	for pf_d in $devices; do
		if is_uuid "$pf_d"; then
			[ -e "$sysfs/bus/mdev/devices/$pf_d" ] ||
				die "$pf_d: no such mdev (see $sysfs/bus/mdev/devices/)"
			continue
		fi
		pf_dev=$(pci_dev "$pf_d")
		[ -e "$pf_dev" ] || die "$pf_d: no such PCI device (see lspci -D)"
		[ -e "$pf_dev/iommu_group" ] ||
			die "$pf_d: no IOMMU group: enable the IOMMU (intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in the firmware)"
		pf_group=$(group_of "$pf_d")
		for pf_o in "$pf_dev"/iommu_group/devices/*; do
			pf_o=${pf_o##*/}
			[ "$pf_o" = "$pf_d" ] && continue
			is_named "$pf_o" && continue
			pf_od=$(driver_of "$pf_o")
			case $pf_od in
			"" | vfio-pci | pci-stub | pcieport) ;;
			*) die "$pf_d: IOMMU group $pf_group also holds $pf_o (driver $pf_od): name it too, or unbind it" ;;
			esac
		done
		pf_drv=$(driver_of "$pf_d")
		pf_want=$(wanted_driver "$pf_d")
		[ -d "$sysfs/bus/pci/drivers/$pf_want" ] || [ "$pf_want" = vfio-pci ] ||
			die "$pf_d: driver $pf_want is not loaded (no $sysfs/bus/pci/drivers/$pf_want; insmod fixtures/kmod's vfio_dirty_pci.ko)"
		if [ -n "$pf_drv" ] && [ "$pf_drv" != vfio-pci ] && [ "$pf_drv" != "$pf_want" ] &&
			[ "$force" = 0 ]; then
			pf_why=$(check_not_in_use "$pf_d") ||
				die "$pf_d ($pf_drv) is in use: $pf_why (use --force to take it anyway)"
		fi
		# moving it off vfio-pci: nobody may hold its VFIO group
		if [ "$pf_drv" = vfio-pci ] && [ "$pf_want" != vfio-pci ]; then
			pf_users=$(group_users "$pf_group" none)
			[ -z "$pf_users" ] ||
				die "$pf_d (vfio-pci) is in use: its VFIO group $pf_group is open by pid $pf_users"
		fi
	done
	for pf_t in $mdev_types; do
		[ -n "$(mdev_type_dir "$pf_t")" ] ||
			die "mdev type $pf_t: no parent device offers it (is its driver loaded?)"
	done
}

mdev_type_dir() {
	for mt_t in "$sysfs"/class/mdev_bus/*/mdev_supported_types/"$1"; do
		if [ -d "$mt_t" ]; then
			echo "$mt_t"
			return 0
		fi
	done
}

# Something to change (bind, create, reserve) needs root.
needs_changes() {
	[ -z "$mdev_types" ] || return 0
	[ -z "$hugepages" ] || return 0
	for nc_d in $devices; do
		is_pci_name "$nc_d" || continue
		[ "$(driver_of "$nc_d")" = "$(wanted_driver "$nc_d")" ] || return 0
	done
	return 1
}

# Prints the processes that hold VFIO group $1 (or device cdev $2) open.
group_users() {
	for gu_fd in /proc/[0-9]*/fd/*; do
		gu_t=$(readlink "$gu_fd" 2>/dev/null) || continue
		case $gu_t in
		"$devfs/vfio/$1" | "$devfs/vfio/devices/$2")
			gu_p=${gu_fd#/proc/}
			gu_p=${gu_p%%/*}
			echo "$gu_p ($(cat "/proc/$gu_p/comm" 2>/dev/null || echo '?'))"
			;;
		esac
	done | sort -u | tr '\n' ' '
}

# Waits up to VFIO_DIRTY_RELEASE_WAIT seconds (60) until nobody holds
# device $1's VFIO group; unbinding a device that is still open blocks
# until it is closed. A test killed with pinned hugetlb memory under TCG
# holds its group while the kernel unpins (10 s was seen to be too short).
wait_released() {
	wr_g=$(group_of "$1")
	wr_cdev=""
	for wr_c in "$(pci_dev "$1")"/vfio-dev/vfio*; do
		[ -e "$wr_c" ] && wr_cdev=${wr_c##*/}
	done
	# by the clock: one scan of /proc takes seconds on a busy machine
	wr_end=$(($(date +%s) + ${VFIO_DIRTY_RELEASE_WAIT:-60}))
	while :; do
		wr_users=$(group_users "$wr_g" "${wr_cdev:-none}")
		[ -n "$wr_users" ] || return 0
		[ "$(date +%s)" -lt "$wr_end" ] || break
		sleep 1
	done
	log "error: $1: VFIO group $wr_g is still open by pid $wr_users"
	return 1
}

bind_pci() {
	bp_d=$1
	bp_dev=$(pci_dev "$bp_d")
	bp_drv=$(driver_of "$bp_d")
	bp_want=$(wanted_driver "$bp_d")
	bp_ovr=$(cat "$bp_dev/driver_override" 2>/dev/null || echo "(null)")
	[ "$bp_ovr" != "(null)" ] || bp_ovr=""
	# Saved before any change, so a restore always knows the way back.
	printf '%s %s %s %s %s\n' "$bp_d" "${bp_drv:--}" "${bp_ovr:--}" \
		"$(pci_id "$bp_d")" "$(group_of "$bp_d")" >> "$state/devices"
	if [ "$bp_drv" = "$bp_want" ]; then
		log "$bp_d: already bound to $bp_want (group $(group_of "$bp_d"))"
		return 0
	fi
	sysfs_write "$bp_want" "$bp_dev/driver_override" || die "$bp_d: cannot set driver_override"
	if [ -n "$bp_drv" ]; then
		sysfs_write "$bp_d" "$bp_dev/driver/unbind" || die "$bp_d: cannot unbind it from $bp_drv"
	fi
	sysfs_write "$bp_d" "$sysfs/bus/pci/drivers_probe" || true
	[ "$(driver_of "$bp_d")" = "$bp_want" ] || die "$bp_d: $bp_want did not bind to it (see dmesg)"
	log "$bp_d: bound to $bp_want (group $(group_of "$bp_d"), was ${bp_drv:-unbound})"
}

create_mdev() {
	cm_dir=$(mdev_type_dir "$1")
	cm_avail=$(cat "$cm_dir/available_instances" 2>/dev/null || echo 0)
	[ "$cm_avail" -gt 0 ] 2>/dev/null || die "mdev type $1: no instance available"
	cm_uuid=$(cat "$procfs/sys/kernel/random/uuid" 2>/dev/null || cat /proc/sys/kernel/random/uuid)
	# Saved before the create, so a restore removes it even if we die now.
	echo "$cm_uuid $1" >> "$state/mdevs"
	sysfs_write "$cm_uuid" "$cm_dir/create" || die "mdev type $1: cannot create $cm_uuid"
	[ -e "$sysfs/bus/mdev/devices/$cm_uuid" ] || die "mdev type $1: $cm_uuid did not appear"
	devices="$devices $cm_uuid"
	log "$cm_uuid: created an mdev of type $1"
}

# The binaries that test the mdev module itself: mdev_fixture_test.sh
# unloads and reloads it, which any instance prevents, and it never touches
# an instance it did not create. They run first, before the runner creates
# its --mdev-type instances, which the other binaries then get.
mdev_free_bins="mdev_fixture_test.sh"

runs_without_mdevs() {
	case " $mdev_free_bins " in *" $1 "*) return 0 ;; esac
	return 1
}

# Moves the binaries that run without the runner's instances to the front
# of the plan (the others keep their order).
plan_mdev_free_first() {
	: > "$tmp/plan.first"
	: > "$tmp/plan.rest"
	while IFS= read -r pm_l; do
		if runs_without_mdevs "${pm_l%% *}"; then
			printf '%s\n' "$pm_l" >> "$tmp/plan.first"
		else
			printf '%s\n' "$pm_l" >> "$tmp/plan.rest"
		fi
	done < "$tmp/plan"
	cat "$tmp/plan.first" "$tmp/plan.rest" > "$tmp/plan"
}

# Creates the --mdev-type instances, once, before the first binary that is
# not one of the above, and describes them in the KTAP as print_env does.
create_mdevs() {
	[ "$mdevs_created" = 0 ] || return 0
	mdevs_created=1
	for cs_t in $mdev_types; do
		create_mdev "$cs_t"
		print_env_mdev "$cm_uuid"
	done
}

# "2M" -> 2048 (kB); empty for nonsense.
size_kb() {
	case $1 in
	*[!0-9kKmMgG]* | [kKmMgG]* | '') return 0 ;;
	*[kK]) echo "${1%?}" ;;
	*[mM]) echo $((${1%?} * 1024)) ;;
	*[gG]) echo $((${1%?} * 1024 * 1024)) ;;
	*) echo $(($1 / 1024)) ;;
	esac
}

# Checks --hugepages SIZE:N[,SIZE:N] and prints "kB N" lines.
parse_hugepages() {
	ph_ifs=$IFS
	IFS=,
	for ph_e in $hugepages; do
		IFS=$ph_ifs
		ph_kb=$(size_kb "${ph_e%%:*}")
		ph_n=${ph_e#*:}
		case $ph_e:$ph_n in
		*:*:*:*) die "--hugepages: '$ph_e' is not SIZE:COUNT (e.g. 2M:512,1G:1)" ;;
		esac
		case $ph_n in
		'' | *[!0-9]*) die "--hugepages: '$ph_e' is not SIZE:COUNT (e.g. 2M:512,1G:1)" ;;
		esac
		if [ -z "$ph_kb" ] || [ "$ph_n" = "$ph_e" ]; then
			die "--hugepages: '$ph_e' is not SIZE:COUNT (e.g. 2M:512,1G:1)"
		fi
		[ -d "$sysfs/kernel/mm/hugepages/hugepages-${ph_kb}kB" ] ||
			die "--hugepages: ${ph_e%%:*} hugepages are not supported here (no $sysfs/kernel/mm/hugepages/hugepages-${ph_kb}kB)"
		echo "$ph_kb $ph_n"
	done
	IFS=$ph_ifs
}

reserve_hugepages() {
	parse_hugepages > "$tmp/hugepages"
	while read -r rh_kb rh_n; do
		rh_f=$sysfs/kernel/mm/hugepages/hugepages-${rh_kb}kB/nr_hugepages
		rh_cur=$(cat "$rh_f")
		if [ "$rh_cur" -ge "$rh_n" ]; then
			log "hugepages ${rh_kb}kB: $rh_cur already, $rh_n wanted"
			continue
		fi
		echo "$rh_kb $rh_cur" >> "$state/hugepages"
		sysfs_write "$rh_n" "$rh_f" || log "warning: cannot reserve $rh_n ${rh_kb}kB hugepages"
		rh_got=$(cat "$rh_f")
		if [ "$rh_got" -lt "$rh_n" ]; then
			log "warning: got $rh_got of $rh_n ${rh_kb}kB hugepages (memory too fragmented?): tests that need more will SKIP"
		else
			log "hugepages ${rh_kb}kB: $rh_cur -> $rh_got for the run"
		fi
	done < "$tmp/hugepages"
}

has_state() {
	for hs_f in devices mdevs hugepages child; do
		[ -s "$1/$hs_f" ] && return 0
	done
	return 1
}

# Takes the state folder: one run at a time, and never over the leftovers
# of an interrupted run (unless restoring them).
acquire_state() {
	if ! mkdir -p "$state_dir" 2>/dev/null || [ ! -w "$state_dir" ]; then
		needs_changes || [ "$restore_only" = 1 ] || {
			state=$tmp/state
			mkdir -p "$state"
			return 0
		}
		die "no permission: cannot write the state folder $state_dir (run as root, or pick --state-dir DIR)"
	fi
	if ! mkdir "$state_dir/lock" 2>/dev/null; then
		as_pid=$(cat "$state_dir/lock/pid" 2>/dev/null || true)
		if [ -n "$as_pid" ] && [ -d "/proc/$as_pid" ] &&
			tr '\0' ' ' 2>/dev/null < "/proc/$as_pid/cmdline" | grep -q runner; then
			die "another run (pid $as_pid) is using $state_dir; it restores everything when it ends"
		fi
		if [ "$restore_only" = 0 ] && has_state "$state_dir"; then
			die "an interrupted run left changes in $state_dir: run '$0 --restore' first"
		fi
		mkdir -p "$state_dir/lock"
	fi
	if [ "$restore_only" = 1 ] && [ -s "$state_dir/lock/tmp" ]; then
		# the scratch folder of the run that was killed
		as_tmp=$(cat "$state_dir/lock/tmp")
		case $as_tmp in */vfio-dirty.*) rm -rf "$as_tmp" ;; esac
	fi
	echo $$ > "$state_dir/lock/pid"
	echo "$tmp" > "$state_dir/lock/tmp"
	state=$state_dir
	locked=1
}

release_state() {
	[ "$locked" = 1 ] || return 0
	rm -f "$state/child"
	for rs_f in devices mdevs hugepages; do
		[ -s "$state/$rs_f" ] || rm -f "$state/$rs_f"
	done
	rm -rf "$state/lock"
	rmdir "$state" 2>/dev/null || true
	locked=0
}

# Kills what is left of the test binary a killed runner left running: its
# process group, if a process of that group still runs the binary (the
# harness itself may be gone while a test it forked still holds the device).
kill_leftover_child() {
	[ -s "$state/child" ] || return 0
	read -r kl_pgid kl_bin < "$state/child" || true
	kl_mine=0
	for kl_s in /proc/[0-9]*/stat; do
		kl_f=$(cat "$kl_s" 2> /dev/null) || continue
		kl_f=${kl_f##*) }
		# shellcheck disable=SC2086 # state ppid pgrp ...
		set -- $kl_f
		[ "${3:-}" = "$kl_pgid" ] || continue
		kl_p=${kl_s#/proc/}
		kl_p=${kl_p%/stat}
		if tr '\0' ' ' 2>/dev/null < "/proc/$kl_p/cmdline" | grep -qF "${kl_bin##*/}"; then
			kl_mine=1
		fi
	done
	if [ "$kl_mine" = 1 ]; then
		log "killing what is left of the test $kl_bin (process group $kl_pgid)"
		kill -KILL "-$kl_pgid" 2> /dev/null || true
		sleep 1
	fi
	rm -f "$state/child"
}

remove_mdevs() {
	[ -s "$state/mdevs" ] || return 0
	rm_bad=0
	: > "$state/mdevs.left"
	while read -r rm_uuid rm_type; do
		rm_dev=$sysfs/bus/mdev/devices/$rm_uuid
		if [ ! -e "$rm_dev" ]; then
			log "$rm_uuid: gone already"
			continue
		fi
		if sysfs_write 1 "$rm_dev/remove" && [ ! -e "$rm_dev" ]; then
			log "$rm_uuid: removed"
		else
			log "error: $rm_uuid ($rm_type): could not remove it"
			echo "$rm_uuid $rm_type" >> "$state/mdevs.left"
			rm_bad=1
		fi
	done < "$state/mdevs"
	mv "$state/mdevs.left" "$state/mdevs"
	return "$rm_bad"
}

# Puts device $1 back on driver $2 ("-": none) with override $3; $4 is the
# vendor:device it had. Safe to repeat.
restore_device() {
	rd_dev=$(pci_dev "$1")
	if [ ! -e "$rd_dev" ]; then
		log "$1: gone, nothing to restore"
		return 0
	fi
	if [ -n "${4:-}" ] && [ "$(pci_id "$1")" != "$4" ]; then
		log "error: $1 is now $(pci_id "$1"), not $4: not touched"
		return 1
	fi
	rd_cur=$(driver_of "$1")
	# a device found on vfio-pci stays there; one moved to the variant goes back
	[ "$2" != vfio-pci ] || [ "$rd_cur" != vfio-pci ] || return 0
	rd_ovr=$(cat "$rd_dev/driver_override" 2>/dev/null || echo "(null)")
	[ "$rd_ovr" != "(null)" ] || rd_ovr=-
	if [ "${rd_cur:--}" = "$2" ] && [ "$rd_ovr" = "$3" ]; then
		log "$1: already on ${rd_cur:-no driver}"
		return 0
	fi
	if bindable_driver "$rd_cur" && [ "$rd_cur" != "$2" ]; then
		wait_released "$1" || return 1
		sysfs_write "$1" "$rd_dev/driver/unbind" || return 1
	elif [ -n "$rd_cur" ] && [ "$rd_cur" != "$2" ]; then
		log "error: $1 is bound to $rd_cur now, not to a driver of the run: not touched"
		return 1
	fi
	if [ "$3" = - ]; then
		sysfs_write "" "$rd_dev/driver_override" || return 1
	else
		sysfs_write "$3" "$rd_dev/driver_override" || return 1
	fi
	if [ "$2" = - ]; then
		log "$1: restored (no driver)"
		return 0
	fi
	[ "$(driver_of "$1")" = "$2" ] ||
		sysfs_write "$1" "$sysfs/bus/pci/drivers/$2/bind" ||
		sysfs_write "$1" "$sysfs/bus/pci/drivers_probe" || true
	if [ "$(driver_of "$1")" != "$2" ]; then
		log "error: $1: could not bind it back to $2"
		return 1
	fi
	log "$1: restored to $2"
}

restore_devices() {
	[ -s "$state/devices" ] || return 0
	rds_bad=0
	: > "$state/devices.left"
	# Newest first, in case a device was recorded twice.
	sed '1!G;h;$!d' "$state/devices" > "$state/devices.rev"
	while read -r rds_d rds_drv rds_ovr rds_id rds_g; do
		if ! restore_device "$rds_d" "$rds_drv" "$rds_ovr" "$rds_id"; then
			echo "$rds_d $rds_drv $rds_ovr $rds_id $rds_g" >> "$state/devices.left"
			rds_bad=1
		fi
	done < "$state/devices.rev"
	rm -f "$state/devices.rev"
	mv "$state/devices.left" "$state/devices"
	return "$rds_bad"
}

restore_hugepages() {
	[ -s "$state/hugepages" ] || return 0
	rh_bad=0
	: > "$state/hugepages.left"
	while read -r rhp_kb rhp_n; do
		rhp_f=$sysfs/kernel/mm/hugepages/hugepages-${rhp_kb}kB/nr_hugepages
		if sysfs_write "$rhp_n" "$rhp_f"; then
			log "hugepages ${rhp_kb}kB: back to $(cat "$rhp_f")"
		else
			echo "$rhp_kb $rhp_n" >> "$state/hugepages.left"
			rh_bad=1
		fi
	done < "$state/hugepages"
	mv "$state/hugepages.left" "$state/hugepages"
	return "$rh_bad"
}

# Undoes everything the state folder records; returns 1 if something is
# left (and still recorded, for a later --restore).
restore_all() {
	[ -n "$state" ] && [ -d "$state" ] || return 0
	ra_bad=0
	kill_leftover_child
	remove_mdevs || ra_bad=1
	restore_devices || ra_bad=1
	restore_hugepages || ra_bad=1
	if [ "$ra_bad" = 1 ]; then
		log "error: the machine is not fully restored; what is left is recorded in $state (run $0 --restore)"
	fi
	return "$ra_bad"
}
