#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs
# pytest (CPython and, through tests/test_portable_on_micropython.py, the real
# MicroPython unix port), ruff and mypy, and checks the MicroPython run happened.
#
#   bash tools/test.sh            # everything
#   IOTEDGE_SKIP_INSTALL=1 bash tools/test.sh   # reuse what is installed
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${IOTEDGE_SKIP_INSTALL:-0}" != "1" ]]; then
  # Debian packages the tests start themselves: mosquitto (broker integration tests)
  # and dbus-daemon (a private bus with a fake bluetoothd for the BlueZ/bleak/bless tests).
  missing=()
  [[ -x /usr/sbin/mosquitto ]] || command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
  command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus)
  if (( ${#missing[@]} )); then
    if [[ "$(id -u)" == "0" ]]; then
      echo "== installing Debian packages: ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "== missing Debian packages: run 'sudo apt-get install -y ${missing[*]}' first" >&2
      exit 1
    fi
  fi
  echo "== installing iotedge with all extras and the test extra"
  python -m pip install --quiet --disable-pip-version-check -e ".[all,test]"
fi

rm -f build/micropython-portable-*.json
mkdir -p build

echo "== pytest (CPython + MicroPython unix port)"
python -m pytest 2>&1 | tee build/pytest.log

echo "== fuzz seed in the log"
# tests/test_fuzz_decoders.py records its seed and input count for the summary
# ("recorded for the log"); a run that lost them could not be replayed.
grep -E "fuzz seed [0-9]+: [0-9]+ inputs" build/pytest.log ||
  { echo "FAIL: the fuzz seed and input count are not in the pytest output" >&2; exit 1; }

echo "== MicroPython run check"
python - <<'PY'
import json, pathlib, sys
reports = sorted(pathlib.Path("build").glob("micropython-portable-*.json"))
if len(reports) < 2:
    sys.exit("FAIL: the portable tests did not run under the micropython binary "
             "(expected default-heap and 64K-heap reports in build/)")
for path in reports:
    r = json.loads(path.read_text())
    if r["implementation"] != "micropython" or r["passed"] == 0 or r["failed"]:
        sys.exit(f"FAIL: {path}: {r}")
    print(f"{path.name}: {r['passed']} portable tests passed under micropython "
          f"({len(r['modules'])} modules)")
PY

echo "== core footprint on MicroPython"
python bench/core_footprint.py

echo "== ruff"
python -m ruff check src tests bench hil_tests examples tools
echo "== mypy"
python -m mypy
echo "== all checks passed"
