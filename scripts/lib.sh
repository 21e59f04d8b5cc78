# Shared by the scripts: installs what Darkroom needs on a Debian machine when it is missing.
set -euo pipefail

apt_updated=0
need_packages() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    if [ $apt_updated -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building and running the server needs.
need_runtime() {
    need_packages libsqlite3-dev libvips-dev libde265-dev zlib1g-dev pkg-config libqrencode-dev ffmpeg
}
