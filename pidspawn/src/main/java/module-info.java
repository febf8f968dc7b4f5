/**
 * pidspawn: start and supervise Linux processes through pidfds.
 *
 * <p>{@link io.pidspawn.Command} and {@link io.pidspawn.Child} are the Java API: a reusable recipe
 * and the running process, supervised by one reaper thread. {@link io.pidspawn.uapi} is the
 * pidfd_spawn builder UAPI they are built on (open / config / run, and the pidfd operations).
 * {@link io.pidspawn.posix} implements posix_spawn on the builder, and {@link io.pidspawn.compat}
 * has {@link java.lang.Process} and {@code ProcessBuilder} look-alikes on top, for code written
 * against the JDK's process API.
 *
 * <p>The module needs native access: run with {@code --enable-native-access=io.pidspawn} on the
 * module path ({@code ALL-UNNAMED} on the class path).
 */
module io.pidspawn {
    exports io.pidspawn;
    exports io.pidspawn.uapi;
    exports io.pidspawn.posix;
    exports io.pidspawn.compat;

    // The command line and the benchmarks are pidspawn's own modules; they alone may use the
    // raw bindings and the cgroup lookup. Neither is API.
    exports io.pidspawn.internal.linux to io.pidspawn.cli, io.pidspawn.bench;
    exports io.pidspawn.internal.spawn to io.pidspawn.cli;
}
