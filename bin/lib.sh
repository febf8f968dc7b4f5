# Shared by bin/pidspawn and bin/test: find a JDK >= 25 and the build tools, build what is missing.
# Sourced, not run.

# Without dirname(1) or sed(1): bin/pidspawn sources this on every run, and each program it starts costs milliseconds.
PIDSPAWN_HOME=${BASH_SOURCE[0]%/*}
[ "$PIDSPAWN_HOME" = "${BASH_SOURCE[0]}" ] && PIDSPAWN_HOME=.
PIDSPAWN_HOME=$(cd "$PIDSPAWN_HOME/.." && pwd)
PIDSPAWN_MIN_JAVA=25

# The feature version of a JDK home (25 for 25.0.3), or nothing if it is not a JDK.
jdk_version() {
    local home=$1 v= line
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
    if [ -f "$home/release" ]; then
        while IFS= read -r line; do
            case $line in
                JAVA_VERSION=\"[0-9]*) v=${line#JAVA_VERSION=\"}; v=${v%%[!0-9]*}; break ;;
            esac
        done <"$home/release"
    fi
    if [ -z "$v" ]; then
        v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    fi
    [ -n "$v" ] && echo "$v"
}

# Sets JAVA_HOME to JAVA_HOME if that is a JDK >= 25, else to the newest one in the usual places.
find_jdk() {
    local v best= best_v=0 home
    if [ -n "${JAVA_HOME:-}" ] && v=$(jdk_version "$JAVA_HOME") && [ "$v" -ge "$PIDSPAWN_MIN_JAVA" ]; then
        return 0
    fi
    for home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*/jdk* "$HOME"/.sdkman/candidates/java/* \
                "$HOME"/.jdks/* /usr/local/jdk* /usr/local/java/*; do
        [ -d "$home" ] || continue
        v=$(jdk_version "$home") || continue
        if [ "$v" -ge "$PIDSPAWN_MIN_JAVA" ] && [ "$v" -gt "$best_v" ]; then
            best=$home
            best_v=$v
        fi
    done
    if [ -z "$best" ]; then
        echo "pidspawn: needs a JDK $PIDSPAWN_MIN_JAVA or newer (java.lang.foreign); none found." >&2
        echo "pidspawn: looked at JAVA_HOME${JAVA_HOME:+ ($JAVA_HOME)} and under /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks." >&2
        echo "pidspawn: install one (for example Temurin 25) and set JAVA_HOME to it." >&2
        exit 125
    fi
    export JAVA_HOME=$best
}

# Maven, a C compiler and the cross compiler for the other platform: installed from Debian's packages when missing and we may.
ensure_build_tools() {
    local missing=()
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
    command -v readelf >/dev/null 2>&1 || missing+=(binutils)
    command -v script >/dev/null 2>&1 || missing+=(bsdutils) # the real terminal of the run --pty tests
    # The jar carries the trampoline for both platforms; the other one is cross-compiled.
    case $(uname -m) in
        x86_64) command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu) ;;
        aarch64) command -v x86_64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-x86-64-linux-gnu) ;;
    esac
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "pidspawn: installing ${missing[*]} from Debian's packages" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 || {
            echo "pidspawn: could not install ${missing[*]}" >&2
            exit 125
        }
    else
        echo "pidspawn: building needs ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
        exit 125
    fi
}

# Maven, quiet about JDK 25's warnings on Maven's own use of sun.misc.Unsafe.
mvn_run() {
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -ntp "$@"
}

# The first source file or pom newer than $1, if any.
sources_newer_than() {
    find "$PIDSPAWN_HOME/pom.xml" "$PIDSPAWN_HOME"/pidspawn*/pom.xml "$PIDSPAWN_HOME"/pidspawn*/src/main \
        -newer "$1" -print -quit
}

# Runs Maven with the arguments after the first, its output in target/build.log. Prints one line
# per module as it builds, with its steps appended as they run, so a first build of a minute shows
# where it is; on failure prints the lines that say why (the compiler's errors, a failed test, the
# trampoline's build), not Maven's stack traces and help links.
build_quietly() {
    local why=$1 log=$PIDSPAWN_HOME/target/build.log rc=0
    shift
    mkdir -p "$PIDSPAWN_HOME/target"
    echo "pidspawn: building ($why); the log is in $log" >&2
    (cd "$PIDSPAWN_HOME" && mvn_run "$@") 2>&1 | build_progress "$log" || rc=$?
    if [ "$rc" -ne 0 ]; then
        build_failure_lines "$log" >&2
        echo "pidspawn: build failed; the whole log is in $log" >&2
        exit 125
    fi
}

# Copies Maven's output to the file $1 and shows its progress on stderr: a line per module, with
# each plugin goal appended as it starts ("pidspawn: [2/4] pidspawn: compile-trampoline compile ...").
build_progress() {
    local log=$1 line count= module= artifact step
    : >"$log"
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$log"
        case $line in
            "[INFO] Building "*" ["*/*"]")
                count=${line##*[}
                count=${count%]}
                ;;
            "[INFO] --- "*" @ "*" ---")
                # "--- maven-compiler-plugin:3.14.0:compile (default-compile) @ pidspawn ---": the goal,
                # or the execution's own name when it has one (the trampoline's build, for example).
                artifact=${line##* @ }
                artifact=${artifact% ---}
                step=${line#\[INFO\] --- }
                step=${step%% @ *}
                case $step in
                    *"(default-"*")") step=${step%% (*}; step=${step##*:} ;;
                    *"("*")") step=${step##*(}; step=${step%)} ;;
                    *) step=${step##*:} ;;
                esac
                if [ "$artifact" != "$module" ]; then
                    [ -n "$module" ] && echo >&2
                    module=$artifact
                    printf 'pidspawn: %s%s:' "${count:+[$count] }" "$module" >&2
                fi
                printf ' %s' "$step" >&2
                ;;
        esac
    done
    if [ -n "$module" ]; then
        echo >&2
    fi
}

# The lines of a failed build's log that say why: Maven's [ERROR] lines without its own advice,
# and what a failed native build (the trampoline) printed before Maven's error.
build_failure_lines() {
    grep -E '^\[ERROR\]|: error:' "$1" |
        grep -vE 'Failed to execute goal|-> \[Help|^\[ERROR\] *$|To see the full|Re-run Maven|For more information|Help 1\]|After correcting|mvn <args>|^\[ERROR\] *(at |Caused by)' |
        awk '!seen[$0]++' | tail -n 30
}

# Fails unless the library has no compile or runtime dependency (only the JDK): a project that
# depends on io.pidspawn:pidspawn must get nothing else with it.
check_library_dependencies() {
    local tree=$PIDSPAWN_HOME/target/library-dependencies.txt deps
    mkdir -p "$PIDSPAWN_HOME/target"
    (cd "$PIDSPAWN_HOME" && mvn_run -q "$@" -pl pidspawn dependency:tree -DoutputFile="$tree") || {
        echo "pidspawn: mvn dependency:tree of the library failed" >&2
        return 1
    }
    deps=$(grep -E ':(compile|runtime)$' "$tree" || true)
    if [ -n "$deps" ]; then
        echo "pidspawn: the library must depend on nothing but the JDK; mvn dependency:tree shows:" >&2
        echo "$deps" | sed 's/^/    /' >&2
        return 1
    fi
    echo "pidspawn: the library has no compile or runtime dependency" >&2
}
