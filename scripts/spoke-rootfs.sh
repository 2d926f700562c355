#!/bin/sh
# Assembles the spoke image's root filesystem: the spoke binary (Swift runtime linked
# statically), the few shared libraries it still loads (glibc, libcurl, libgit2's and
# SQLite's dependencies, as ldd lists them), the dynamic loader, the CA bundle for TLS to the
# hub and the API server, and a passwd entry for the non-root user. spoke/Containerfile copies
# it into an image FROM scratch: nothing to pull, no shell, nothing else to patch.
set -eu
binary=${1:?usage: spoke-rootfs.sh SPOKE_BINARY OUTPUT_DIR}
out=${2:?usage: spoke-rootfs.sh SPOKE_BINARY OUTPUT_DIR}
rm -rf "$out"
mkdir -p "$out/usr/local/bin" "$out/etc/ssl/certs" "$out/var/lib/fleet-spoke" "$out/etc/fleet-spoke" "$out/tmp"
cp "$binary" "$out/usr/local/bin/spoke"
strip "$out/usr/local/bin/spoke" 2>/dev/null || true
# Every library ldd resolves, at the path it resolves to, and the loader itself.
ldd "$binary" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | sort -u | while read -r lib; do
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
done
for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    if [ -e "$loader" ]; then mkdir -p "$out$(dirname "$loader")"; cp -L "$loader" "$out$loader"; fi
done
# glibc resolves names (the hub's host name) through NSS: the files and DNS modules.
for nss in /lib/*/libnss_dns.so.2 /lib/*/libnss_files.so.2 /lib/*/libresolv.so.2; do
    if [ -e "$nss" ]; then mkdir -p "$out$(dirname "$nss")"; cp -L "$nss" "$out$nss"; fi
done
cp /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/:/nonexistent\nspoke:x:65532:65532:fleet spoke:/var/lib/fleet-spoke:/nonexistent\n' > "$out/etc/passwd"
printf 'root:x:0:\nspoke:x:65532:\n' > "$out/etc/group"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
chmod 1777 "$out/tmp"
echo "spoke root filesystem in $out ($(du -sh "$out" | cut -f1))"
