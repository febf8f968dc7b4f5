/**
 * pidspawn: start and supervise Linux processes through pidfds.
 *
 * <p>{@link io.pidspawn.Command} and {@link io.pidspawn.Child} are the Java API: a reusable recipe
 * and the running process, supervised by one reaper thread. {@link io.pidspawn.uapi} is the
 * pidfd_spawn builder UAPI they are built on (open / config / run, and the pidfd operations).
 * {@link io.pidspawn.compat} has {@link java.lang.Process} and {@code ProcessBuilder} look-alikes on
 * top, for code written against the JDK's process API.
 * {@code io.pidspawn.cli} is the {@code bin/pidspawn} command line.
 */
module io.pidspawn {
    requires info.picocli;
    requires jdk.unsupported; // sun.misc.Signal, for the CLI's signal forwarding
    // A baseline of `pidspawn bench`, used only in its worker processes, which run on the class
    // path: never resolved when pidspawn runs as a module.
    requires static com.zaxxer.nuprocess;
    requires static java.management; // bench workers only (run on the class path): is the JIT idle

    exports io.pidspawn;
    exports io.pidspawn.uapi;
    exports io.pidspawn.posix;
    exports io.pidspawn.compat;
    exports io.pidspawn.cli;

    opens io.pidspawn.cli to info.picocli;
}
