/**
 * {@code bin/pidspawn}, pidspawn's command line: {@code run}, {@code batch}, {@code probe} and
 * {@code bench} (when the benchmarks module is installed beside it).
 */
module io.pidspawn.cli {
    requires io.pidspawn;
    requires info.picocli;
    requires jdk.unsupported; // sun.misc.Signal: batch stops its jobs on SIGINT, SIGTERM and SIGHUP
    requires static io.pidspawn.bench; // resolved only for `pidspawn bench`

    opens io.pidspawn.cli to info.picocli;
}
