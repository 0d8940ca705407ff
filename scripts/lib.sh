# shellcheck shell=bash
# scripts/lib.sh — shared by scripts/test and scripts/start: installs what the
# build needs (Debian packages) and configures a meson build dir.

# objmgr_packages build|test: the Debian packages objmgr needs.
#   build  what building and running need (the default build has the tests,
#          so Check is one): scripts/start
#   test   that and what the tests and tools use besides: clang (the clang
#          build, scripts/fuzz), python3-pynvim (a foreign msgpack-RPC client
#          for the compatibility test), python3-msgpack (the map-key test),
#          python3-crc32c (reading the data directory's files as
#          docs/protocol.md describes them), Redis (bench/compare's yardstick),
#          python3-venv (installing the Python package with pip) and
#          CPython's own test suite (its manager tests, run against objmgr)
objmgr_packages() {
	local msgpack=libmsgpack-dev
	# Newer Debian/Ubuntu renamed msgpack-c's C package.
	if apt-cache show libmsgpack-c-dev >/dev/null 2>&1; then
		msgpack=libmsgpack-c-dev
	fi
	echo gcc meson ninja-build pkg-config "$msgpack" libuv1-dev check \
		libsodium-dev libedit-dev libjansson-dev libsystemd-dev scdoc
	if [ "$1" = test ]; then
		echo clang python3-pynvim python3-msgpack python3-crc32c redis-server redis-tools \
			python3-venv "$(python_testsuite)"
	fi
}

# python_testsuite: the package of CPython's tests for the python3.N that
# Debian's python3 is (libpython3.11-testsuite on Debian 12), read from the
# package list so that it works before Python is installed.
python_testsuite() {
	local v
	v=$(apt-cache show python3 2>/dev/null | sed -n 's/^Depends:.*\(python3\.[0-9]*\) .*/\1/p' | head -1)
	echo "lib${v:-python3}-testsuite"
}

# ensure_deps build|test: installs the missing packages of that set with
# apt-get when root; otherwise prints the exact command to run and fails.
ensure_deps() {
	local missing=() pkg
	for pkg in $(objmgr_packages "$1"); do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "objmgr needs these Debian packages; install them with:" >&2
		echo "  sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# setup_build DIR [meson options...]: configures DIR once, then reuses it.
setup_build() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}
