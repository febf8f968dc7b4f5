/**
 * pidspawn's benchmark harness, behind {@code pidspawn bench}: pidspawn against C posix_spawn and
 * vfork, ProcessBuilder and NuProcess, interleaved in one run and reported as ratios.
 */
module io.pidspawn.bench {
    requires io.pidspawn;
    // A baseline, loaded only by the worker processes, which run on the class path.
    requires static com.zaxxer.nuprocess;
    requires static java.management; // workers only: whether the JIT is idle

    exports io.pidspawn.bench;
}
