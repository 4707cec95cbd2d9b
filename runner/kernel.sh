# SPDX-License-Identifier: GPL-2.0-only
#
# runner/kernel.sh - the kernel: VFIO present, its log and taint around each binary, its environment.
# Sourced by runner.sh, which sets the variables it uses.
# shellcheck shell=sh disable=SC2034,SC2154 # the variables of runner.sh

# vfio-pci must be there to bind to, and /dev/vfio/vfio for a container.
# Either missing means this kernel has no usable VFIO: a SKIP, not an error.
check_vfio() {
	if [ -z "$devices$mdev_types" ]; then
		# nothing to bind: VFIO itself must be there for any test to run
		[ -e "$devfs/vfio/vfio" ] || [ -d "$sysfs/module/vfio" ] || [ -d "$devfs/vfio/devices" ] ||
			skip_all "vfio: no VFIO in this kernel (no $devfs/vfio/vfio, no $sysfs/module/vfio)"
		return 0
	fi
	if [ ! -d "$sysfs/bus/pci/drivers/vfio-pci" ] && needs_changes; then
		if ! cv_err=$("${bin}modprobe" vfio-pci 2>&1); then
			skip_all "vfio: vfio-pci is not available: modprobe vfio-pci: $(printf '%s' "$cv_err" | head -n 1)"
		fi
		[ -d "$sysfs/bus/pci/drivers/vfio-pci" ] ||
			skip_all "vfio: vfio-pci is not available (no $sysfs/bus/pci/drivers/vfio-pci after modprobe)"
	fi
	[ -e "$devfs/vfio/vfio" ] ||
		skip_all "vfio: no $devfs/vfio/vfio: this kernel has no VFIO container (CONFIG_VFIO_CONTAINER) or vfio is not loaded"
}

taint() {
	cat "$procfs/sys/kernel/tainted" 2>/dev/null || echo 0
}

# Taint bits as the kernel prints them (P, W, O, ...).
taint_flags() {
	tf_v=$1
	tf_out=""
	tf_i=0
	for tf_c in P F S R M B U D A W C I O E L K X T N J; do
		[ $(((tf_v >> tf_i) & 1)) = 0 ] || tf_out="$tf_out$tf_c"
		tf_i=$((tf_i + 1))
	done
	echo "${tf_out:-none}"
}

# Remembers the last kernel log line; klog_new prints what came after it.
klog_mark() {
	[ "$klog_ok" = 1 ] || return 0
	klog_last=$("${bin}dmesg" 2>/dev/null | tail -n 1) || klog_last=""
}

klog_new() {
	"${bin}dmesg" 2>/dev/null > "$tmp/dmesg" || true
	if [ -z "$klog_last" ]; then
		cat "$tmp/dmesg"
		return 0
	fi
	kn_at=$(grep -nxF -- "$klog_last" "$tmp/dmesg" | tail -n 1 | cut -d: -f1)
	if [ -z "$kn_at" ]; then
		# The ring buffer wrapped past the mark: all of it is new.
		cat "$tmp/dmesg"
	else
		tail -n "+$((kn_at + 1))" "$tmp/dmesg"
	fi
}

# Reads the expected kernel splats (selftests/splats, the format of
# selftests/xfail, read by runner/xfail.awk) and keeps this kernel's entries
# in $tmp/splats: BINARY_GLOB CASE_GLOB ERE REASON, tab-separated. A
# malformed list is a usage error, before any change.
load_splats() {
	: > "$tmp/splats"
	ls_file=$(suite_file splats)
	[ -f "$ls_file" ] || return 0
	awk -f "$(runner_file xfail.awk)" "$ls_file" > "$tmp/splats.all" || true
	ls_bad=$(grep '^error: ' "$tmp/splats.all" | head -n 1)
	[ -z "$ls_bad" ] || die "$ls_file:${ls_bad#error: }"
	ls_tab=$(printf '\t')
	ls_ifs=$IFS
	while IFS=$ls_tab read -r ls_k ls_rest; do
		ls_rc=0
		echo x | grep -qE -e "$(printf '%s\n' "$ls_rest" | cut -f3)" 2> /dev/null || ls_rc=$?
		[ "$ls_rc" -le 1 ] || die "$ls_file: an invalid /ERE/: $(printf '%s\n' "$ls_rest" | cut -f3)"
		# shellcheck disable=SC2254 # the kernel release glob
		case $kernel_release in $ls_k) printf '%s\n' "$ls_rest" >> "$tmp/splats" ;; esac
	done < "$tmp/splats.all"
	IFS=$ls_ifs
}

# The expected splats of the binary that ran: this kernel's entries for it
# whose case glob matches a case that reported ($tmp/seen), as ERE<TAB>REASON
# lines in $tmp/splat.applied and their EREs alone in $tmp/splat.eres.
applied_splats() {
	: > "$tmp/splat.applied"
	as_tab=$(printf '\t')
	as_ifs=$IFS
	while IFS=$as_tab read -r as_b as_c as_ere as_why; do
		# shellcheck disable=SC2254 # the binary glob
		case $running_bin in $as_b) ;; *) continue ;; esac
		while IFS= read -r as_seen; do
			# shellcheck disable=SC2254 # the case glob
			case $as_seen in $as_c)
				printf '%s\t%s\n' "$as_ere" "$as_why" >> "$tmp/splat.applied"
				break
				;;
			esac
		done < "$tmp/seen"
	done < "$tmp/splats"
	IFS=$as_ifs
	cut -f1 "$tmp/splat.applied" > "$tmp/splat.eres"
}

# Notes the expected splats the binary caused, and those it did not: a
# splat the kernel logs once per boot (UBSAN) or a fixed kernel is harmless.
note_expected_splats() {
	awk -v pat="$splat_re" -v mode=expected -f "$(runner_file splat.awk)" \
		"$tmp/splat.eres" "$tmp/klog.new" > "$tmp/splat.seen"
	nes_n=0
	while IFS= read -r nes_why; do
		nes_n=$((nes_n + 1))
		nes_why=${nes_why#*"$(printf '\t')"}
		nes_l=$(awk -F '\t' -v n="$nes_n" '$1 == n { sub(/^[^\t]*\t/, ""); print; exit }' \
			"$tmp/splat.seen")
		if [ -n "$nes_l" ]; then
			note "expected kernel splat ($nes_why): kernel: $nes_l"
		else
			note "expected kernel splat not seen ($nes_why): harmless (logged once per boot, or the kernel is fixed)"
		fi
	done < "$tmp/splat.applied"
}

# Checks the kernel log and taint after a binary; sets rb_bad and
# kernel_damaged, and shows what the kernel said. A splat of
# selftests/splats that the binary's cases cause is noted, and neither fails
# the binary nor stops the run; any other still does.
check_kernel() {
	ck_taint=$(taint)
	if [ "$klog_ok" = 1 ]; then
		klog_new > "$tmp/klog.new"
		applied_splats
		if [ -s "$tmp/splat.applied" ]; then
			note_expected_splats
			awk -v pat="$splat_re" -v mode=strip -f "$(runner_file splat.awk)" \
				"$tmp/splat.eres" "$tmp/klog.new" > "$tmp/klog.rest"
		else
			cp "$tmp/klog.new" "$tmp/klog.rest"
		fi
		if grep -qE "$splat_re" "$tmp/klog.rest"; then
			note "the kernel logged a WARN, BUG or oops:"
			awk -v re="$splat_re" '$0 ~ re && !on { on = 1 } on && n < 60 { print; n++ }' \
				"$tmp/klog.rest" | while IFS= read -r ck_l; do note "kernel: $ck_l"; done
			rb_bad=1
			rb_why="${rb_why:+$rb_why; }kernel WARN/BUG/oops"
			kernel_damaged="the kernel logged a WARN, BUG or oops during $running_bin"
		fi
		grep -i vfio "$tmp/klog.rest" | grep -vE "$splat_re" | head -n 20 |
			while IFS= read -r ck_l; do note "kernel: $ck_l"; done
	fi
	if [ "$ck_taint" != "$rb_taint0" ]; then
		note "kernel taint changed from $rb_taint0 ($(taint_flags "$rb_taint0")) to $ck_taint ($(taint_flags "$ck_taint"))"
		rb_bad=1
		rb_why="${rb_why:+$rb_why; }kernel taint changed"
		kernel_damaged=${kernel_damaged:-"the kernel taint changed during $running_bin"}
	fi
}

# The suite's version: the one "make install" recorded, else git's for a
# source tree, else "unknown".
suite_version() {
	if [ -s "$here/version" ]; then
		head -n 1 "$here/version"
	elif command -v git > /dev/null 2>&1 &&
		git -C "$here" describe --always --dirty 2> /dev/null; then
		:
	else
		echo unknown
	fi
}

# The "# env: mdev:" line of mdev $1.
print_env_mdev() {
	pe_m=$sysfs/bus/mdev/devices/$1
	pe_type=$(basename "$(readlink "$pe_m/mdev_type" 2>/dev/null || echo '?')")
	pe_par=$(basename "$(dirname "$(readlink -f "$pe_m")")")
	emit "# env: mdev: $1 type=$pe_type parent=$pe_par driver=$(basename "$(readlink "$pe_m/driver" 2>/dev/null || echo none)") group=$(basename "$(readlink "$pe_m/iommu_group" 2>/dev/null || echo none)")"
}

# Prints "# env:" lines: what the report needs to know about this machine.
print_env() {
	emit "# env: date: $(date -u +%Y-%m-%dT%H:%M:%S)"
	emit "# env: host: $("${bin}uname" -n)"
	emit "# env: kernel: $kernel_release"
	emit "# env: kernel-version: $("${bin}uname" -v)"
	emit "# env: machine: $("${bin}uname" -m)"
	emit "# env: cmdline: $(cat "$procfs/cmdline" 2>/dev/null || echo '?')"
	pe_t=$(taint)
	emit "# env: taint: $pe_t ($(taint_flags "$pe_t"))"
	emit "# env: runner: runner.sh $cmdline_args"
	emit "# env: suite-version: $(suite_version)"
	pe_spec=$(sed -n 's/^# spec: //p' "$(suite_file requirements)" 2>/dev/null | head -n 1)
	emit "# env: spec: ${pe_spec:-unknown}"
	pe_tm=""
	for pe_m in "$sysfs"/module/*/taint; do
		[ -s "$pe_m" ] || continue
		pe_mt=$(cat "$pe_m" 2>/dev/null || true)
		[ -z "$pe_mt" ] || pe_tm="$pe_tm ${pe_m%/taint}=$pe_mt"
	done
	pe_tm=$(echo "$pe_tm" | sed "s| $sysfs/module/| |g; s/^ //")
	[ -z "$pe_tm" ] || emit "# env: taint-modules: $pe_tm"
	pe_cfg=""
	if [ -r "$procfs/config.gz" ]; then
		gzip -dc "$procfs/config.gz" > "$tmp/kconfig" 2>/dev/null && pe_cfg=$procfs/config.gz
	fi
	if [ -z "$pe_cfg" ] && [ -r "$bootdir/config-$kernel_release" ]; then
		cp "$bootdir/config-$kernel_release" "$tmp/kconfig" && pe_cfg=$bootdir/config-$kernel_release
	fi
	if [ -n "$pe_cfg" ]; then
		emit "# env: config-source: $pe_cfg"
	else
		: > "$tmp/kconfig"
		emit "# env: config-source: none (no $procfs/config.gz, no $bootdir/config-$kernel_release)"
	fi
	if [ -f "$here/config" ]; then
		awk -v have="$pe_cfg" '
		{ f = (FILENAME == ARGV[1]) ? 1 : 2 }
		f == 1 && /^CONFIG_/ { k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v); cfg[k] = v; next }
		f == 1 && /^# CONFIG_.* is not set/ { cfg[$2] = "n"; next }
		f == 2 && /^CONFIG_/ {
			k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v)
			# absent: not even "is not set" (an option of another
			# kernel version, or one whose dependencies are off)
			print "# env: config: " k " want=" v " have=" (have == "" ? "?" : (k in cfg ? cfg[k] : "absent"))
		}' "$tmp/kconfig" "$here/config" > "$tmp/env.config"
		while IFS= read -r pe_l; do emit "$pe_l"; done < "$tmp/env.config"
	fi
	for pe_d in $devices; do
		if is_uuid "$pe_d"; then
			print_env_mdev "$pe_d"
			continue
		fi
		pe_dev=$(pci_dev "$pe_d")
		pe_was=$(awk -v d="$pe_d" '$1 == d { print $2; exit }' "$state/devices" 2>/dev/null)
		[ "$pe_was" != - ] || pe_was=none
		pe_sub=$(cat "$pe_dev/subsystem_vendor" 2>/dev/null || echo 0x????):$(cat "$pe_dev/subsystem_device" 2>/dev/null || echo 0x????)
		pe_sub=$(echo "$pe_sub" | sed 's/0x//g')
		pe_grp=$(group_of "$pe_d")
		pe_members=""
		for pe_o in "$pe_dev"/iommu_group/devices/*; do
			[ -e "$pe_o" ] && pe_members="${pe_members:+$pe_members,}${pe_o##*/}"
		done
		emit "# env: device: $pe_d id=$(pci_id "$pe_d") subsystem=$pe_sub class=$(cat "$pe_dev/class" 2>/dev/null || echo '?') group=${pe_grp:-none} driver=$(driver_of "$pe_d") was=${pe_was:-$(driver_of "$pe_d")} group-devices=${pe_members:-none}"
	done
	for pe_h in "$sysfs"/kernel/mm/hugepages/hugepages-*; do
		[ -d "$pe_h" ] || continue
		emit "# env: hugepages: ${pe_h##*-} total=$(cat "$pe_h/nr_hugepages") free=$(cat "$pe_h/free_hugepages" 2>/dev/null || echo '?')"
	done
	[ "$klog_ok" = 1 ] || emit "# env: kernel-log: not readable (dmesg failed): WARN/BUG/oops checks are off"
}
