# mkinitramfs.sh KVER E2E-IO OUT: the inner guest's uncompressed initramfs
# (run with bash; not a test).  Static busybox, e2e-io, sg_persist and sg_luns
# with their libraries, tests/e2e/lun-change, tests/e2e/inner-init
# as /init, and virtio_pci, virtio_scsi, sd_mod with their dependencies from
# /lib/modules/KVER, in load order.
set -euo pipefail
kver=$1 io=$2 out=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,modules}
cp /bin/busybox "$stage/bin/busybox"
cp "$here/inner-init" "$stage/init"
chmod 755 "$stage/init"
cp "$io" "$stage/e2e-io"
mkdir -p "$stage/tmp"
cp "$here/lun-change" "$stage/lun-change"
# sg_persist and sg_luns (sg3-utils) and the shared libraries they need, at
# their paths.
cp /usr/bin/sg_persist /usr/bin/sg_luns "$stage/bin/"
for lib in $(ldd /usr/bin/sg_persist /usr/bin/sg_luns | grep -o '/[^ ]*' | grep -v ':$' | sort -u); do
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done
# brd (RAM disks) for the migration control run, loaded on demand only.
for ko in $(modprobe --show-depends -S "$kver" brd | awk '$1 == "insmod" { print $2 }'); do
	case $ko in
	*.xz) xz -dc "$ko" >"$stage/modules/brd.ko" ;;
	*.zst) zstd -dcq "$ko" >"$stage/modules/brd.ko" ;;
	*) cp "$ko" "$stage/modules/brd.ko" ;;
	esac
done
: >"$stage/modules.order"
for mod in virtio_pci virtio_scsi sd_mod; do
	modprobe --show-depends -S "$kver" "$mod"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
while read -r ko; do
	name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
	case $ko in
	*.xz) xz -dc "$ko" >"$stage/modules/$name" ;;
	*.zst) zstd -dcq "$ko" >"$stage/modules/$name" ;;
	*) cp "$ko" "$stage/modules/$name" ;;
	esac
	echo "$name" >>"$stage/modules.order"
done
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
