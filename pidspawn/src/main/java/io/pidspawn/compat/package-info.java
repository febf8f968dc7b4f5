/**
 * {@link java.lang.Process} and {@link java.lang.ProcessBuilder} look-alikes that start processes
 * through pidspawn, so existing code can move with a one-word change.
 *
 * <pre>{@code
 * Process p = new PidspawnProcessBuilder("make", "-j8").redirectErrorStream(true).start();
 * p.getInputStream().transferTo(System.out);
 * if (p.waitFor() != 0) throw new IOException("make failed: " + p.exitValue());
 * List<Process> pipeline = PidspawnProcessBuilder.startPipeline(List.of(
 *         new PidspawnProcessBuilder("ls", "-1"),
 *         new PidspawnProcessBuilder("sort", "-r"),
 *         new PidspawnProcessBuilder("head", "-3")));
 * }</pre>
 *
 * <p>{@link io.pidspawn.compat.PidspawnRuntime} has {@code Runtime.exec}'s six forms (a command
 * string split at whitespace, or an array; envp strings; a directory).
 *
 * <p>{@link io.pidspawn.compat.PidspawnProcessBuilder} takes the JDK's {@code Redirect}s and
 * starts {@link io.pidspawn.compat.PidspawnProcess}es, which behave as the JDK's: the same exit
 * values (128 + N for a child killed by signal N), the same exceptions and messages for the same
 * mistakes, the same program lookup, redirect files opened in the same order by this process,
 * fds 0-2 only in the child, null streams where there is no pipe, buffered stdin, and output left
 * in the pipes kept in memory when the child exits.
 *
 * <h2>Differences from the JDK</h2>
 * <ul>
 * <li><b>How the child starts.</b> No helper program ({@code jspawnhelper}) and no fork: each
 *     start builds a pidfd_spawn builder (a {@link io.pidspawn.Command}) and runs it, which clones
 *     a vfork-style child that execs the program directly. The
 *     {@code jdk.lang.Process.launchMechanism} property has no effect, and no JFR
 *     {@code jdk.ProcessStart} event or {@code java.lang.ProcessBuilder} log record is emitted.
 * <li><b>Where the program is looked up.</b> The JDK's rules (an empty or relative {@code PATH}
 *     entry, and a relative program path, are relative to {@code directory()}), applied by this
 *     process just before the spawn rather than by the child after its {@code chdir}: the file
 *     found is pinned before the child exists and exec'd as found, so no other file of that name
 *     can run in its place (if one takes its name in between, {@code start()} fails with
 *     ESTALE, where the JDK's child would run it). A {@code #!} script is exec'd by the name
 *     the JDK's child uses, which it sees as {@code $0}: {@code dir1/prog} for the PATH entry
 *     {@code dir1}, {@code prog} for an empty entry, {@code ./rel.sh} for {@code ./rel.sh}, a
 *     symlink's name, with {@code directory()} set or not.
 * <li><b>Failure causes.</b> The message of the IOException and of its cause are the JDK's; the
 *     cause's own cause is pidspawn's {@link io.pidspawn.SpawnException} or
 *     {@link io.pidspawn.ErrnoException}, naming the step that failed (open, chdir, exec...).
 * <li><b>Signals in the child.</b> The child starts with no signal blocked and every signal this
 *     process handles at its default action: it ignores exactly the signals this process
 *     ignores. The JDK's children also ignore glibc's internal signals 32 and 33, which glibc's
 *     posix_spawn sets to SIG_IGN (and exec keeps); pidspawn's only if this process does (a JVM
 *     started by another JVM ignores 32, inherited the same way).
 * <li><b>Environment.</b> Without {@code environment()}, the child gets this process's
 *     environment as Java sees it ({@link System#getenv()}, read at startup); variables native
 *     code set later with setenv(3) are not passed, where the JDK passes the C library's current
 *     environment. {@code environment()} and {@link io.pidspawn.compat.PidspawnRuntime}'s envp
 *     give the child what they hold, the empty name ({@code =value}) included, as the JDK's do.
 * <li><b>Supervision and signals.</b> One library thread reaps every child as it exits; there is
 *     no thread per process. {@code destroy()} and {@code destroyForcibly()} signal through the
 *     child's pidfd, so they can never reach a process that reused the pid.
 * <li><b>When a process counts as exited.</b> {@code waitFor()} returns, and
 *     {@code isAlive()} turns false, once the child is reaped and its leftover output buffered;
 *     afterwards the process holds no fd. {@code onExit()} completes on the common ForkJoinPool,
 *     as the JDK's does.
 * <li><b>The process handle.</b> {@code toHandle()} is backed by the pidfd: {@code isAlive},
 *     {@code onExit}, {@code destroy} and {@code destroyForcibly} are exact. {@code info},
 *     {@code parent}, {@code children} and {@code descendants} are looked up by pid while the
 *     child is not reaped (a pid cannot be reused before), and are empty after. The handle equals
 *     only the same process's handle, not {@code ProcessHandle.of(pid)}; comparing a JDK handle
 *     to it throws ClassCastException (the JDK's compareTo accepts only its own).
 * <li><b>Streams.</b> A read or write that must wait parks the thread (a virtual thread leaves
 *     its carrier) instead of blocking in a native call; like the JDK's, it does not end on
 *     {@link Thread#interrupt()}. {@code available()} counts what one read would return without
 *     waiting (at most 8 KiB), not everything in the pipe.
 * </ul>
 */
package io.pidspawn.compat;
