#!/usr/bin/env bash
# Builds a local PostgreSQL image for `pgproof prove --backend container` on machines that have a
# Docker engine but no image registry: debootstrap a Debian release, install its postgresql-<major>
# package, `docker import` the tree with an entrypoint that initialises and starts the server, and
# tag it pgproof-test/postgres:<major>. Does nothing when that tag already exists.
#
# usage: scripts/build-test-image.sh [MAJOR]   (default 15; 13 bullseye, 15 bookworm, 17 trixie)
# env:   PGPROOF_DEBIAN_MIRROR overrides the mirror, which otherwise comes from this machine's apt
#        sources; PGPROOF_IMAGE_REBUILD=1 rebuilds even when the tag exists.
# needs: root, docker, debootstrap (apt-get install debootstrap)
#
# The image follows the official postgres image's conventions where pgproof relies on them:
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / POSTGRES_HOST_AUTH_METHOD, port 5432, data in
# /var/lib/postgresql/data, and "database system is ready to accept connections" once it is up.
set -euo pipefail

major=${1:-15}
case "$major" in
  13) suite=bullseye ;;
  15) suite=bookworm ;;
  17) suite=trixie ;;
  *) echo "build-test-image: no Debian release ships postgresql-$major (use 13, 15 or 17)" >&2; exit 2 ;;
esac
tag="pgproof-test/postgres:$major"

command -v docker >/dev/null || { echo "build-test-image: docker is not installed" >&2; exit 2; }
if [ "${PGPROOF_IMAGE_REBUILD:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "build-test-image: $tag exists, nothing to do"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-test-image: debootstrap needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "build-test-image: debootstrap is missing: apt-get install debootstrap" >&2; exit 2; }

# The Debian mirror this machine already uses (deb822 .sources files or one-line sources.list).
. "$(dirname "$0")/debian-mirror.sh"

work=$(mktemp -d /tmp/pgproof-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
echo "build-test-image: debootstrap $suite from $mirror (postgresql-$major)"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# Install the server without starting it and without the package's default cluster.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/postgresql-common"
echo "create_main_cluster = false" > "$root/etc/postgresql-common/createcluster.conf"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "postgresql-$major" "postgresql-contrib-$major" > "$work/apt.log" 2>&1 \
  || chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "postgresql-$major" > "$work/apt.log" 2>&1 \
  || { tail -n 30 "$work/apt.log" >&2; exit 1; }
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root/etc/resolv.conf"
mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
chroot "$root" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql

cat > "$root/usr/local/bin/pgproof-entrypoint" <<'ENTRY'
#!/bin/sh
# Initialises a cluster on first start (official-image environment variables), then runs the server
# in the foreground as PID 1's child so `docker stop` shuts it down cleanly.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  auth=${POSTGRES_HOST_AUTH_METHOD:-}
  pwfile=$(mktemp)
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    : "${auth:=scram-sha-256}"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -A "$auth" --auth-local=trust -E UTF8 --no-sync > /dev/null
  else
    : "${auth:=trust}"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" -A "$auth" -E UTF8 --no-sync > /dev/null
  fi
  rm -f "$pwfile"
  echo "host all all 0.0.0.0/0 $auth" >> "$PGDATA/pg_hba.conf"
  echo "host all all ::/0 $auth" >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    postgres --single -D "$PGDATA" -c listen_addresses='' postgres > /dev/null <<SQL
CREATE DATABASE "$POSTGRES_DB";
SQL
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
ENTRY
chmod +x "$root/usr/local/bin/pgproof-entrypoint"

bindir="/usr/lib/postgresql/$major/bin"
echo "build-test-image: docker import as $tag"
tar -C "$root" -c . | docker import \
  --change "ENV PATH=$bindir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV PGDATA=/var/lib/postgresql/data" \
  --change "ENV LANG=C.UTF-8" \
  --change "USER postgres" \
  --change "EXPOSE 5432" \
  --change 'ENTRYPOINT ["/usr/local/bin/pgproof-entrypoint"]' \
  --change "LABEL org.opencontainers.image.title=pgproof-test-postgres pgproof.postgres.major=$major" \
  - "$tag" > /dev/null
echo "build-test-image: built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
