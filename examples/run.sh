#!/usr/bin/env bash
# Builds the examples against the pidspawn artifacts in the local Maven repository (run
# `mvn install` first; bin/test does) and runs every program twice: on the class path and on the
# module path. Fails if a program exits non-zero or prints anything on stderr: a user of the
# library must see no warning on either path. Extra arguments go to Maven (for example -o).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"
find_jdk
cd "$PIDSPAWN_HOME/examples"

echo "pidspawn: building the examples against the installed io.pidspawn:pidspawn" >&2
mvn_run -q -Dstyle.color=never "$@" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
jar=target/pidspawn-examples-0.1.0-SNAPSHOT.jar
libs=$(cat target/classpath.txt)
java=$JAVA_HOME/bin/java
programs=(CaptureWithTimeout ManyChildren FacadePipeline OnATerminal Pipelines LineCallbacks)

failed=0
run() {
    local how=$1 program=$2 err rc=0
    shift 2
    err=$(mktemp)
    "$java" "$@" >"target/$program.$how.out" 2>"$err" || rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$err" ]; then
        echo "examples: $program on the $how path: exit $rc, stderr:" >&2
        sed 's/^/    /' "$err" >&2
        failed=1
    else
        echo "examples: $program on the $how path: $(tail -n 1 "target/$program.$how.out")" >&2
    fi
    rm -f "$err"
}
for p in "${programs[@]}"; do
    run class "$p" --enable-native-access=ALL-UNNAMED -cp "$jar:$libs" "io.pidspawn.examples.$p"
    run module "$p" --enable-native-access=io.pidspawn -p "$jar:$libs" -m "io.pidspawn.examples/io.pidspawn.examples.$p"
done
if [ "$failed" -ne 0 ]; then
    echo "examples: FAILED" >&2
    exit 1
fi
echo "examples: all ${#programs[@]} programs passed on the class path and the module path, with nothing on stderr" >&2
