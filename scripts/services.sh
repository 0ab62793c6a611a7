#!/usr/bin/env bash
# Make sure the services the tests use are running on 127.0.0.1: PostgreSQL (5432, trust auth,
# database "test") and Mosquitto (1883). Installs them from Debian's packages when absent.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "services: need root (or sudo) to run: $*" >&2; return 1; fi; }
apt_install() {
  [ -n "${APT_UPDATED:-}" ] || { as_root apt-get update -qq; APT_UPDATED=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  echo "services: PostgreSQL not running on 127.0.0.1:5432, starting it"
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! as_root grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
fi
command -v psql >/dev/null || apt_install postgresql-client
if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -c 'create database test' >/dev/null 2>&1 || true
fi
psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null \
  || { echo "services: PostgreSQL at 127.0.0.1:5432 does not accept user postgres on database test" >&2; exit 1; }

if ! port_open 1883; then
  echo "services: Mosquitto not running on 127.0.0.1:1883, starting it"
  command -v mosquitto >/dev/null || apt_install mosquitto
  as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
  for _ in $(seq 1 15); do port_open 1883 && break; sleep 1; done
fi

# GStreamer's RTSP server under Debian's own Python: tests/fakecams.py runs it as a real RTSP camera.
if ! /usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0')" 2>/dev/null; then
  echo "services: installing the GStreamer RTSP server (for the RTSP camera tests)"
  apt_install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base \
    gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
fi

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
if ! command -v chromium >/dev/null; then
  echo "services: installing Debian's chromium (for the browser tests)"
  apt_install chromium fonts-dejavu-core
fi
