#!/usr/bin/env bash
# A virtual sound card for the end-to-end tests (issue 7): private PulseAudio servers, for this test
# run only, whose microphone is a FIFO the test writes into and whose speaker is a null sink the
# test records from.  No system daemon, no user config: everything lives in DIR.
#
#   scripts/virtual_audio.sh start DIR     start; prints the environment clients need (also DIR/env)
#   scripts/virtual_audio.sh env DIR       print that environment again (KEY=VALUE lines)
#   scripts/virtual_audio.sh unplug DIR    remove the microphone (unload its module)
#   scripts/virtual_audio.sh plug DIR      put the microphone back (same name, same FIFO path)
#   scripts/virtual_audio.sh stop DIR      stop the servers, remove sockets and the FIFO
#
# The microphone: DIR/mic.fifo, signed 16-bit little-endian, 16000 Hz, mono.  The pipe source has
# no clock of its own: it delivers exactly what is written, when it is written, so the writer must
# keep writing (silence or room sound) in real time, as a real microphone would.
# The speaker: sink "speaker" (48 kHz stereo, like a laptop); record "speaker.monitor".
#
# Two servers, not one: the microphone has a server to itself (DIR/mic.sock) and the speaker
# another (DIR/speaker.sock).  With one server, unloading the only microphone makes PulseAudio
# move the recording stream to the speaker's monitor (its core rescues streams to the new default
# source), so the program would silently hear its own voice instead of losing the device.  Alone
# on its server, an unloaded microphone ends the stream, as unplugging a USB headset does.
# ALSA's default device is an asym of the two (capture from one, playback to the other).
#
# Clients (PortAudio through ALSA, pactl, parec, pacat) reach it with the printed environment:
#   PULSE_SERVER          unix:DIR/speaker.sock (pactl, parec and pacat talk to the speaker)
#   PULSE_CLIENTCONFIG    a client.conf with autospawn off (a client never starts a daemon of its own)
#   ALSA_CONFIG_PATH      the system alsa.conf, then DIR/asound.conf (pcm.!default -> pulse)
#
# Root (CI containers): pulseaudio only warns that it is "not intended to be run as root" when
# started without --system; what makes it work as root is a HOME and XDG folders of its own (it
# otherwise wants /root/.config/pulse and a login session's runtime folder) and -n (no D-Bus).
set -euo pipefail

usage() { sed -n '5,9p' "$0" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)

mic_sock="$dir/mic.sock"
out_sock="$dir/speaker.sock"
fifo="$dir/mic.fifo"
mic_args="source_name=mic file=$fifo format=s16le rate=16000 channels=1"
mic_args+=" source_properties=device.description=Virtual_microphone"

env_lines() {
  echo "PULSE_SERVER=unix:$out_sock"
  echo "PULSE_CLIENTCONFIG=$dir/client.conf"
  echo "PULSE_COOKIE=$dir/cookie"
  echo "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$dir/asound.conf"
}

# pactl against one of our servers only, never the caller's own.
pa() {
  local sock=$1
  shift
  env -u PULSE_SINK -u PULSE_SOURCE PULSE_SERVER="unix:$sock" PULSE_CLIENTCONFIG="$dir/client.conf" \
    PULSE_COOKIE="$dir/cookie" pactl "$@"
}

mic_module() {
  pa "$mic_sock" list short modules | awk '$2 == "module-pipe-source" {print $1; exit}'
}

# start_server NAME: pulseaudio on DIR/NAME.pa with its own home, runtime, state and log.
start_server() {
  local name=$1
  mkdir -p "$dir/$name/home" "$dir/$name/run" "$dir/$name/config" "$dir/$name/state"
  chmod 700 "$dir/$name/run"
  # -n: ignore /etc/pulse/default.pa (hardware detection, D-Bus and X11 modules).
  env -i PATH="$PATH" HOME="$dir/$name/home" XDG_RUNTIME_DIR="$dir/$name/run" \
    XDG_CONFIG_HOME="$dir/$name/config" PULSE_RUNTIME_PATH="$dir/$name/run/pulse" \
    PULSE_STATE_PATH="$dir/$name/state" \
    setsid pulseaudio -n -F "$dir/$name.pa" --daemonize=no --exit-idle-time=-1 --use-pid-file=no \
    --disallow-exit --realtime=no --high-priority=no \
    --log-target=file:"$dir/$name.log" --log-level=notice </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/$name.pid"
}

stop_server() {
  local name=$1 pid
  [[ -f "$dir/$name.pid" ]] || return 0
  pid=$(cat "$dir/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  fi
  rm -f "$dir/$name.pid"
}

running() {
  [[ -f "$dir/$1.pid" ]] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null
}

case "$cmd" in
  start)
    if ! command -v pulseaudio >/dev/null; then
      echo "pulseaudio is not installed (run ./setup.sh --with-test-audio)" >&2
      exit 3
    fi
    if running mic || running speaker; then
      echo "a virtual sound card already runs in $dir" >&2
      exit 1
    fi
    echo "autospawn = no" >"$dir/client.conf"
    cat >"$dir/asound.conf" <<EOF
pcm.!default {
  type asym
  capture.pcm { type pulse server "unix:$mic_sock" }
  playback.pcm { type pulse server "unix:$out_sock" }
  hint { show on description "Virtual sound card (test)" }
}
ctl.!default { type pulse server "unix:$out_sock" }
EOF
    cat >"$dir/mic.pa" <<EOF
load-module module-native-protocol-unix socket=$mic_sock auth-anonymous=1
load-module module-pipe-source $mic_args
set-default-source mic
EOF
    cat >"$dir/speaker.pa" <<EOF
load-module module-native-protocol-unix socket=$out_sock auth-anonymous=1
load-module module-null-sink sink_name=speaker rate=48000 channels=2 sink_properties=device.description=Virtual_speaker
set-default-sink speaker
EOF
    rm -f "$mic_sock" "$out_sock" "$fifo"
    start_server mic
    start_server speaker
    for _ in $(seq 100); do
      if [[ -S "$mic_sock" && -S "$out_sock" && -p "$fifo" ]] \
        && pa "$mic_sock" info >/dev/null 2>&1 && pa "$out_sock" info >/dev/null 2>&1; then
        env_lines | tee "$dir/env"
        exit 0
      fi
      running mic && running speaker || break
      sleep 0.1
    done
    echo "the virtual sound card did not start; its logs:" >&2
    cat "$dir/mic.log" "$dir/speaker.log" >&2 2>/dev/null || true
    stop_server mic
    stop_server speaker
    exit 1
    ;;
  env)
    env_lines
    ;;
  unplug)
    idx=$(mic_module)
    if [[ -z "$idx" ]]; then
      echo "no microphone is plugged in" >&2
      exit 1
    fi
    pa "$mic_sock" unload-module "$idx"
    ;;
  plug)
    if [[ -n "$(mic_module)" ]]; then
      echo "the microphone is already plugged in" >&2
      exit 1
    fi
    pa "$mic_sock" load-module module-pipe-source $mic_args >/dev/null
    pa "$mic_sock" set-default-source mic
    ;;
  stop)
    stop_server mic
    stop_server speaker
    rm -f "$mic_sock" "$out_sock" "$fifo"
    ;;
  *)
    usage
    ;;
esac
