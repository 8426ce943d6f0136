#!/usr/bin/env bash
# Builds local stand-ins for the two public base images the Dockerfile names, for machines with a
# Docker engine but no image registry (CI here): debootstrap Debian bookworm (minbase) once, then
#   pgproof-local/debian:bookworm-slim       the rootfs as it is (the runtime stage's base)
#   pgproof-local/rust:<msrv>-slim-bookworm  the rootfs with gcc, libc6-dev and ca-certificates, and
#                                             this machine's Rust toolchain (rustc and cargo of the
#                                             crate's MSRV or newer) under /usr/local/rust, on PATH;
#                                             it trusts this machine's own CA certificates
#                                             (/usr/local/share/ca-certificates), so that cargo
#                                             reaches crates.io behind a TLS-inspecting proxy as
#                                             the host's cargo does
# as `rust:<msrv>-slim-bookworm` and `debian:bookworm-slim` from Docker Hub provide. Does nothing for
# a tag that already exists (PGPROOF_IMAGE_REBUILD=1 rebuilds). Prints the two tags' build
# arguments for `docker build`.
#
# usage: scripts/build-base-images.sh
# env:   PGPROOF_DEBIAN_MIRROR overrides the mirror (else this machine's apt sources)
# needs: root, docker, debootstrap, rustc and cargo on PATH
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
debian_tag=pgproof-local/debian:bookworm-slim
rust_tag="pgproof-local/rust:$msrv-slim-bookworm"
have() { [ "${PGPROOF_IMAGE_REBUILD:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
if have "$debian_tag" && have "$rust_tag"; then
  echo "build-base-images: $debian_tag and $rust_tag exist, nothing to do" >&2
  echo "--build-arg RUST_IMAGE=$rust_tag --build-arg RUNTIME_IMAGE=$debian_tag"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-base-images: debootstrap needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "build-base-images: debootstrap is missing: apt-get install debootstrap" >&2; exit 2; }
sysroot=$(rustc --print sysroot)
version=$(rustc --version | awk '{ print $2 }')
# The toolchain must be at least the MSRV (versions compare as dotted numbers).
if [ "$(printf '%s\n%s\n' "$msrv" "$version" | sort -V | head -n1)" != "$msrv" ]; then
  echo "build-base-images: rustc $version is older than the crate's rust-version $msrv" >&2
  exit 2
fi

# The Debian mirror this machine already uses (or PGPROOF_DEBIAN_MIRROR).
. "$here/debian-mirror.sh"

work=$(mktemp -d /tmp/pgproof-base-images.XXXXXX)
# --one-file-system: never into what debootstrap may have left mounted under the tree (/proc).
trap 'rm -rf --one-file-system "$work"' EXIT
root="$work/rootfs"
echo "build-base-images: debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
# The apt sources of the official image, so `apt-get update` in a build stage works.
echo "deb $mirror bookworm main" > "$root/etc/apt/sources.list"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
mkdir -p "$root/var/lib/apt/lists/partial"
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if ! have "$debian_tag"; then
  echo "build-base-images: docker import as $debian_tag" >&2
  tar -C "$root" -c . | docker import --change "ENV PATH=$path" --change 'CMD ["bash"]' - "$debian_tag" > /dev/null
fi

if ! have "$rust_tag"; then
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates' > "$work/apt.log" 2>&1 \
    || { tail -n 30 "$work/apt.log" >&2; exit 1; }
  chroot "$root" apt-get clean
  if compgen -G '/usr/local/share/ca-certificates/*.crt' > /dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates > /dev/null 2>&1
  fi
  rm -rf "$root"/var/lib/apt/lists/* "$root/etc/resolv.conf"
  mkdir -p "$root/var/lib/apt/lists/partial"
  # rustc, cargo and the standard library for this target; not the docs, sources or other tools.
  mkdir -p "$root/usr/local/rust/bin" "$root/usr/local/rust/lib/rustlib"
  cp -a "$sysroot/bin/rustc" "$sysroot/bin/cargo" "$root/usr/local/rust/bin/"
  cp -a "$sysroot"/lib/*.so* "$root/usr/local/rust/lib/"
  cp -a "$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')" "$sysroot/lib/rustlib/etc" "$root/usr/local/rust/lib/rustlib/"
  echo "build-base-images: docker import as $rust_tag (rustc $version)" >&2
  tar -C "$root" -c . | docker import \
    --change "ENV PATH=/usr/local/rust/bin:$path" \
    --change "ENV CARGO_HOME=/usr/local/cargo" \
    --change 'CMD ["bash"]' \
    - "$rust_tag" > /dev/null
fi
echo "--build-arg RUST_IMAGE=$rust_tag --build-arg RUNTIME_IMAGE=$debian_tag"
