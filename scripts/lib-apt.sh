# Sourced by scripts/ensure-*.sh (not run on its own).
# apt_prepare NAME MISSING INSTALLING: without apt-get, says "NAME: MISSING" on stderr
# and exits 1; else says "NAME: INSTALLING", sets $sudo ("sudo" unless root) and
# updates apt's package lists, ready for `$sudo env DEBIAN_FRONTEND=noninteractive
# apt-get install …`.
apt_prepare() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$1: $2" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "$1: $3" >&2
  $sudo apt-get update -qq
}
