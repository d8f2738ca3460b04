#!/usr/bin/env bash
# Install a built refit tree into a scratch prefix and build the downstream
# example against it three ways: CMake's find_package(refit) (shared and static
# library), pkg-config with the shared library (rpath), and pkg-config with
# the static library (--static).  Every program must build and run to exit 0.
#
# usage: tests/downstream.sh BUILD_DIR EXAMPLE_DIR
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR EXAMPLE_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
example=$(cd "$2" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/refit-downstream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { printf '== %s\n' "$*"; }

# An instrumented or sanitized librefit needs the same runtime at link time.
extra=()
cache_on() { grep -Eq "^$1:BOOL=(ON|1|TRUE|YES)$" "$build/CMakeCache.txt"; }
if cache_on REFIT_COVERAGE; then extra+=(--coverage); fi
if cache_on REFIT_SANITIZE; then extra+=('-fsanitize=address,undefined'); fi
extra_flags="${extra[*]:-}"

step "install $build into $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"

# Everything a downstream user relies on must be in place.
libdir=
for d in lib lib64 lib/*-linux-gnu; do
  if [ -f "$prefix/$d/pkgconfig/refit.pc" ]; then libdir=$prefix/$d; break; fi
done
if [ -z "$libdir" ]; then
  echo "downstream: refit.pc not installed under $prefix/lib*/pkgconfig" >&2
  exit 1
fi
missing=0
for f in "$libdir/librefit.so" "$libdir/librefit.a" "$libdir/cmake/refit/refitConfig.cmake" \
         "$libdir/cmake/refit/refitConfigVersion.cmake" \
         "$prefix/include/refit/refit.h" "$prefix/include/refit/version.h" \
         "$prefix/include/refit/status.h" "$prefix/include/refit/model.h" \
         "$prefix/include/refit/theory.h" "$prefix/include/refit/theory_mp.h" \
         "$prefix/bin/refit"; do
  if [ ! -e "$f" ]; then echo "downstream: not installed: ${f#"$prefix"/}" >&2; missing=1; fi
done
[ "$missing" -eq 0 ]

# 1. CMake: find_package(refit) from the prefix.
step "cmake find_package(refit)"
cmake -S "$example" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS="$extra_flags" >"$tmp/configure.log" \
  || { cat "$tmp/configure.log"; exit 1; }
# The package must come from the scratch prefix, not from a refit installed elsewhere.
if ! grep -q "^refit_DIR:PATH=$prefix/" "$tmp/cmake-build/CMakeCache.txt"; then
  echo "downstream: find_package(refit) did not use $prefix:" >&2
  grep '^refit_DIR' "$tmp/cmake-build/CMakeCache.txt" >&2 || true
  exit 1
fi
cmake --build "$tmp/cmake-build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
step "run (cmake, refit::refit)";        "$tmp/cmake-build/downstream"
step "run (cmake, refit::refit_static)"; "$tmp/cmake-build/downstream_static"

# 2. pkg-config, nothing but the prefix's .pc file on the search path.
export PKG_CONFIG_PATH=$libdir/pkgconfig
version_h=$(sed -n 's/^#define REFIT_VERSION_STRING "\(.*\)"$/\1/p' "$prefix/include/refit/version.h")
version_pc=$(pkg-config --modversion refit)
if [ "$version_pc" != "$version_h" ]; then
  echo "downstream: refit.pc says version $version_pc, refit/version.h says $version_h" >&2
  exit 1
fi
cc=${CC:-cc}
step "pkg-config, shared: $(pkg-config --cflags --libs refit)"
# shellcheck disable=SC2046,SC2086
"$cc" -o "$tmp/downstream_pc" "$example/downstream.c" $(pkg-config --cflags --libs refit) \
      -Wl,-rpath,"$(pkg-config --variable=libdir refit)" $extra_flags
"$tmp/downstream_pc"

# Static: librefit.a (forced with -Bstatic, since librefit.so sits beside it)
# plus every library `pkg-config --static` lists after it, linked as usual.
deps=()
for w in $(pkg-config --static --libs-only-l refit); do
  [ "$w" = -lrefit ] || deps+=("$w")
done
step "pkg-config, static: $(pkg-config --static --libs refit)"
# shellcheck disable=SC2046,SC2086
"$cc" -o "$tmp/downstream_pc_static" "$example/downstream.c" $(pkg-config --cflags refit) \
      $(pkg-config --libs-only-L refit) -Wl,-Bstatic -lrefit -Wl,-Bdynamic "${deps[@]}" $extra_flags
if ldd "$tmp/downstream_pc_static" | grep -q librefit; then
  echo "downstream: the static build still loads librefit.so" >&2
  exit 1
fi
"$tmp/downstream_pc_static"

step "downstream: all builds ran"
