#!/usr/bin/env bash
# ci/gradescope/setup.sh - Gradescope runs this once, as root, when it builds
# the autograder image (Ubuntu). It installs what `ci/install-deps grade` installs:
# the compilers, NASM, GRUB's tools, QEMU, Bochs, cmocka and Python 3.
# The autograder zip holds the kiln tree in kiln/ (ci/gradescope/README.md).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 >/dev/null   # ci/install-deps's own list has it too
bash /autograder/source/kiln/ci/install-deps grade
# A zip may lose the executable bits: restore them on every script.
chmod +x /autograder/source/run_autograder
for f in /autograder/source/kiln/ci/*; do
  if [ -f "$f" ] && [ "$(head -c 2 "$f")" = "#!" ]; then chmod +x "$f"; fi
done
