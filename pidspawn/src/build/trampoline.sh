#!/usr/bin/env bash
# Builds the child trampoline for every platform the library jar supports and checks each one.
#
#   trampoline.sh SOURCE OUTDIR CC "CFLAGS"
#
# Writes OUTDIR/linux-<os.arch>/libpidspawn.so for amd64 (x86_64) and aarch64, so that neither
# platform needs a compiler at run time. The machine's own platform is built with CC; the other
# with Debian's cross compiler (gcc-aarch64-linux-gnu or gcc-x86-64-linux-gnu), installed with
# apt-get when it is missing and the build runs as root. A cross-compiled library cannot be loaded
# here, so every library is checked from its ELF headers instead: class, machine, the exported
# functions (the spawn, the ABI query and the CLI's signal relay), no undefined symbol but the
# toolchain's weak ones (the child may call nothing, the relay's handlers run in any thread), bind
# now, a stack that is not executable. The plan layout is checked by the compiler itself: the
# header's _Static_asserts hold for every target or the build stops.
set -euo pipefail

src=$1 out=$2 cc=$3
read -r -a cflags <<<"$4"

fail() {
    echo "[ERROR] trampoline: $*" >&2
    exit 1
}

case $(uname -m) in
    x86_64) host=amd64 ;;
    aarch64) host=aarch64 ;;
    *) host=$(uname -m) ;;
esac

# os.arch -> GNU triplet, Debian package of its cross gcc, readelf's machine name.
triplet() { case $1 in amd64) echo x86_64-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;; esac; }
package() { case $1 in amd64) echo gcc-x86-64-linux-gnu ;; aarch64) echo gcc-aarch64-linux-gnu ;; esac; }
machine() { case $1 in amd64) echo 'Advanced Micro Devices X86-64' ;; aarch64) echo AArch64 ;; esac; }

# The compiler for one target: CC for this machine's own, else the cross compiler.
compiler() {
    local arch=$1 cross pkg log
    if [ "$arch" = "$host" ]; then
        echo "$cc"
        return
    fi
    cross=$(triplet "$arch")-gcc
    if ! command -v "$cross" >/dev/null 2>&1; then
        pkg=$(package "$arch")
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "trampoline: installing $pkg from Debian's packages (the linux-$arch trampoline is cross-compiled)" >&2
            log=$(mktemp)
            { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg"; } >"$log" 2>&1 || {
                tail -n 20 "$log" >&2
                rm -f "$log"
                fail "could not install $pkg; the jar carries the linux-$arch trampoline, which needs it"
            }
            rm -f "$log"
        else
            fail "$cross not found: the jar carries the linux-$arch trampoline, cross-compiled with Debian's $pkg; install it (apt-get install $pkg) or build as root, which installs it"
        fi
    fi
    echo "$cross"
}

check() {
    local arch=$1 lib=$2 header dyn syms undefined exported
    header=$(readelf -h "$lib") || fail "$lib: not an ELF file"
    grep -q 'Class: *ELF64' <<<"$header" || fail "$lib: not ELF64"
    grep -q "Machine: *$(machine "$arch")\$" <<<"$header" ||
        fail "$lib: machine is '$(sed -n 's/^ *Machine: *//p' <<<"$header")', expected '$(machine "$arch")'"
    grep -q 'Type: *DYN' <<<"$header" || fail "$lib: not a shared object"

    # Num: Value Size Type Bind Vis Ndx Name
    syms=$(readelf --dyn-syms -W "$lib" | awk '$1 ~ /^[0-9]+:$/ && $8 != "" { sub(/@.*/, "", $8); print $4, $5, $7, $8 }')
    exported=$(awk '$3 != "UND" && ($2 == "GLOBAL" || $2 == "WEAK") { print $4 }' <<<"$syms" | sort | tr '\n' ' ')
    want="ps_call "
    [ "$exported" = "$want" ] || fail "$lib: exports '$exported', expected exactly $want"
    awk -v want="$want" 'index(want, $4 " ") { if ($1 != "FUNC") exit 1 }' <<<"$syms" ||
        fail "$lib: $want must be functions"
    # The trampoline makes raw syscalls only; anything it imports (memset, memcpy, __stack_chk_fail,
    # ...) would be a libc call in the vfork child. The weak ones are crt's, never called.
    undefined=$(awk '$3 == "UND" { print $2 ":" $4 }' <<<"$syms" |
        grep -vxE 'WEAK:(__cxa_finalize|__gmon_start__|_ITM_registerTMCloneTable|_ITM_deregisterTMCloneTable)' |
        tr '\n' ' ' || true)
    [ -z "$undefined" ] || fail "$lib: undefined symbols the child could call: $undefined"

    dyn=$(readelf -d "$lib")
    grep -qE 'FLAGS.*(BIND_NOW|NOW)' <<<"$dyn" || fail "$lib: not linked with -z now (lazy binding in the child)"
    readelf -lW "$lib" | grep -E 'GNU_STACK' | grep -qv 'RWE' || fail "$lib: executable stack"
}

for arch in amd64 aarch64; do
    gcc=$(compiler "$arch")
    dir=$out/linux-$arch
    mkdir -p "$dir"
    # Atomics inline: aarch64's outlined ones would import getauxval, and the relay's handler
    # may call nothing.
    arch_flags=()
    [ "$arch" = aarch64 ] && arch_flags=(-mno-outline-atomics)
    "$gcc" "${cflags[@]}" "${arch_flags[@]}" -o "$dir/libpidspawn.so" "$src" || fail "compiling $src for linux-$arch with $gcc failed (its errors are above)"
    check "$arch" "$dir/libpidspawn.so"
    echo "trampoline: linux-$arch/libpidspawn.so ($gcc): ELF64 $(machine "$arch"), exports ps_call only, imports nothing, plan layout asserted"
done
