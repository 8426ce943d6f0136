# Sourced by the image scripts: sets `mirror` to the Debian mirror to debootstrap from:
# PGPROOF_DEBIAN_MIRROR, else the one this machine's apt sources use (deb822 .sources files, then
# one-line sources.list), leaving out security mirrors. Exits 2, naming the script, when none.
mirror=${PGPROOF_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' \
    | grep -v -e security -e '^$' | grep '/debian/\?$' | head -n1 || true)
fi
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; break } }' \
    | grep -v security | grep '/debian/\?$' | head -n1 || true)
fi
[ -n "$mirror" ] || { echo "$(basename "$0"): no Debian mirror in /etc/apt/sources*; set PGPROOF_DEBIAN_MIRROR" >&2; exit 2; }
