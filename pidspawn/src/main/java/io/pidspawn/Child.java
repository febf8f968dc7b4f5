package io.pidspawn;

import io.pidspawn.internal.reaper.ChildResources;
import io.pidspawn.internal.reaper.ExitWatch;
import io.pidspawn.internal.reaper.LeakDetector;
import io.pidspawn.internal.reaper.PipeChannels;
import io.pidspawn.internal.reaper.PipeEnd;
import io.pidspawn.internal.spawn.Cgroups;
import io.pidspawn.uapi.PidfdInfo;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running (or finished) child process, held by its pidfd.
 *
 * <pre>{@code
 * try (Child child = command.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
 *     String first = new BufferedReader(new InputStreamReader(child.stdout())).readLine();
 *     if (!child.waitFor(Duration.ofSeconds(5))) {
 *         child.kill();
 *     }
 *     ExitStatus status = child.waitFor();
 * }
 * }</pre>
 *
 * <h2>Supervision</h2>
 * Every child is watched by the library's one reaper thread, which reaps it the moment it exits:
 * there is never a zombie to collect and never a thread per child, and a child nobody waits for
 * is reaped all the same. A platform thread in {@link #waitFor()} first waits on the pidfd itself
 * for up to 20 ms and reaps a child that ends by then (no hand-off between threads for a short
 * command); after that, and always on a virtual thread, waiting ({@link #waitFor()},
 * {@link #onExit()}) parks on a future: no native call blocks, so virtual threads wait without
 * holding a carrier, and an interrupt is seen at once (within 20 ms in the first phase).
 *
 * <h2>Signals</h2>
 * {@link #signal} goes through the pidfd, which names this process and no other: once the child
 * has exited it returns false instead of signalling, and a pid the kernel gave to some other
 * process since is never touched.
 *
 * <h2>Releasing</h2>
 * Once {@link #waitFor()} (or {@link #output()}) has returned the exit status, the pidfd is
 * released, as Go's Process.Wait does: the child is gone, {@link #pidfd()} and {@link #info()}
 * throw, {@link #signal} returns false. {@link #close()} also closes this process's ends of the
 * child's pipes; it neither kills nor waits for the child, which the reaper still reaps. A Child
 * that becomes unreachable unclosed has its fds released by the reaper some time later. With
 * {@code -Dpidspawn.leakDetector=true} a Child that becomes unreachable before anyone learned
 * how it ended is reported with the stack trace of its spawn.
 *
 * <h2>After the exit</h2>
 * A child that has exited is reaped at once by the reaper, whether anyone waits or not; its exit
 * status is recorded in the Child and never changes. What each call does then depends on whether
 * {@link #waitFor()} (or {@link #output()}) has returned that status, or {@link #close()} was
 * called ({@code ChildAfterExitTest} shows each line, {@code ChildTest} the process group):
 * <table>
 * <caption>Calls on a Child whose process has exited</caption>
 * <tr><th>call</th><th>reaped, not waited for</th><th>waited for</th><th>closed</th></tr>
 * <tr><td>{@link #waitFor()}, {@link #waitFor(Duration)}</td><td colspan="3">return the status (true)
 *     at once, as often as called, and release the pidfd</td></tr>
 * <tr><td>{@link #exitStatus()}</td><td colspan="3">the status</td></tr>
 * <tr><td>{@link #onExit()}</td><td colspan="3">a future with the status, completed on the
 *     {@code pidspawn-exit} thread (so possibly a moment after the call returns)</td></tr>
 * <tr><td>{@link #signal}, {@link #kill()}</td><td colspan="3">false: nothing is sent (a bad
 *     signal number still throws IllegalArgumentException)</td></tr>
 * <tr><td>{@link #killProcessGroup}</td><td>reaches what the child left in its group, through
 *     the pidfd (Linux 6.9); false when the group is empty</td><td colspan="2">false</td></tr>
 * <tr><td>{@link #killCgroup()}</td><td colspan="3">kills what is left in the child's cgroup;
 *     IllegalStateException without one</td></tr>
 * <tr><td>{@link #pidfd()}</td><td>the pidfd, still open</td><td colspan="2">IllegalStateException</td></tr>
 * <tr><td>{@link #info()}</td><td>the kernel's record, its {@link PidfdInfo#exit()} included
 *     (Linux 6.15; before, ErrnoException ESRCH)</td><td colspan="2">IllegalStateException</td></tr>
 * <tr><td>{@link #pid()}</td><td colspan="3">the number it had, which may name another process by now</td></tr>
 * <tr><td>{@link #stdout()}, {@link #stderr()}</td><td colspan="2">what the child wrote and nobody
 *     read yet, then end of file</td><td>streams whose reads throw IOException (the pipe ends are
 *     closed)</td></tr>
 * <tr><td>{@link #output()}</td><td colspan="2">what is left of the piped output, with the
 *     status</td><td>—</td></tr>
 * <tr><td>{@link #close()}</td><td colspan="3">releases what is left; again, nothing</td></tr>
 * </table>
 * A Child closed while its process still runs does not stop it: {@link #signal} then throws
 * IllegalStateException (the pidfd is gone), while {@link #waitFor()}, {@link #exitStatus()} and
 * {@link #onExit()} still tell how it ends, as the reaper keeps watching it.
 *
 * <h2>Trees</h2>
 * {@link #killTree()}, {@link #signalTree} and {@link #terminate} reach what the child started,
 * as far as its {@link KillScope} allows: its own cgroup, else its process group, else itself.
 */
public final class Child implements AutoCloseable {
    private final String program;
    private final ExitWatch watch;
    private final PipeEnd stdinPipe;
    private final PipeEnd stdoutPipe;
    private final PipeEnd stderrPipe;
    private final ChildResources resources;
    private final Terminal terminal; // the primary side of its pty, or null
    private final Path cgroup; // the cgroup directory the command started it in, or null
    private WritableByteChannel stdinChannel; // created on demand, guarded by this
    private ReadableByteChannel stdoutChannel;
    private ReadableByteChannel stderrChannel;
    private OutputStream stdin;
    private InputStream stdout;
    private InputStream stderr;

    Child(String program, ExitWatch watch, PipeEnd stdinPipe, PipeEnd stdoutPipe, PipeEnd stderrPipe, Path cgroup,
          Throwable spawnSite, boolean killTreeOnClose, Terminal terminal) {
        this.program = program;
        this.terminal = terminal;
        this.cgroup = cgroup;
        this.watch = watch;
        this.stdinPipe = stdinPipe;
        this.stdoutPipe = stdoutPipe;
        this.stderrPipe = stderrPipe;
        List<PipeEnd> pipes = new ArrayList<>(3);
        PipeEnd primary = terminal == null ? null : terminal.primary();
        for (PipeEnd p : new PipeEnd[] {stdinPipe, stdoutPipe, stderrPipe, primary}) {
            if (p != null && !pipes.contains(p)) {
                pipes.add(p);
            }
        }
        this.resources = new ChildResources(watch, pipes, program, spawnSite, killTreeOnClose);
        LeakDetector.track(this, resources);
    }

    /**
     * The process id; after the child was reaped it may name another process, so signal through
     * the Child.
     *
     * @return the child's pid in this process's pid namespace
     */
    public int pid() {
        return watch.pid();
    }

    /**
     * The child's pidfd, for pidfd calls of your own (poll, pidfd_getfd, {@link io.pidspawn.uapi.PidfdSpawn}).
     * Borrowed: the Child owns it, and it stays open until {@link #waitFor()} returns the status
     * or {@link #close()}. Do not wait on it yourself: the reaper does.
     *
     * @return the pidfd, an open file descriptor of this process
     * @throws IllegalStateException once the child was waited for, or the Child closed
     */
    public int pidfd() {
        return watch.pidfd();
    }

    /**
     * The program as the command resolved it: {@code /usr/bin/git}.
     *
     * @return the path that was executed
     */
    public String program() {
        return program;
    }

    // ---- stdio ----

    /**
     * The child's stdin, when it is a {@link Stdio#pipe()}; closing it gives the child end of file.
     * Every call returns the same stream.
     *
     * @return a stream writing to the pipe
     * @throws IllegalStateException if the child's stdin is not a pipe
     */
    public synchronized OutputStream stdin() {
        if (stdin == null) {
            stdin = Channels.newOutputStream(stdinChannel());
        }
        return stdin;
    }

    /**
     * The child's side of its pseudo-terminal, when one of its stdio fds is a {@link Stdio#pty()}:
     * read what it shows, write what it reads, resize it.
     *
     * @return the terminal, the same one on every call
     * @throws IllegalStateException if the child has no pty
     */
    public Terminal terminal() {
        if (terminal == null) {
            throw new IllegalStateException("pid " + pid() + " has no pty: spawn it with Stdio.pty() as stdin, stdout or stderr");
        }
        return terminal;
    }

    /**
     * The child's stdout, when it is a {@link Stdio#pipe()} (or a {@link Stdio#pty()}: then
     * {@link Terminal#inputStream()}). Every call returns the same stream;
     * it reads end of file once the child (and whatever inherited the pipe) has closed it.
     *
     * @return a stream reading the pipe
     * @throws IllegalStateException if the child's stdout is not a pipe
     */
    public synchronized InputStream stdout() {
        if (terminal != null && stdoutPipe == terminal.primary()) {
            return terminal.inputStream();
        }
        if (stdout == null) {
            stdout = PipeChannels.inputStream(pipe(stdoutPipe, "stdout"), stdoutChannel());
        }
        return stdout;
    }

    /**
     * The child's stderr, when it is a {@link Stdio#pipe()}. Every call returns the same stream.
     *
     * @return a stream reading the pipe
     * @throws IllegalStateException if the child's stderr is not a pipe
     */
    public synchronized InputStream stderr() {
        if (terminal != null && stderrPipe == terminal.primary()) {
            return terminal.inputStream();
        }
        if (stderr == null) {
            stderr = PipeChannels.inputStream(pipe(stderrPipe, "stderr"), stderrChannel());
        }
        return stderr;
    }

    /**
     * The child's stdin as a channel (the same pipe as {@link #stdin()}).
     *
     * @return a channel writing to the pipe; the same one on every call
     * @throws IllegalStateException if the child's stdin is not a pipe
     */
    public synchronized WritableByteChannel stdinChannel() {
        if (stdinChannel == null) {
            stdinChannel = PipeChannels.sink(pipe(stdinPipe, "stdin"), this);
        }
        return stdinChannel;
    }

    /**
     * The child's stdout as a channel (the same pipe as {@link #stdout()}).
     *
     * @return a channel reading the pipe; the same one on every call
     * @throws IllegalStateException if the child's stdout is not a pipe
     */
    public synchronized ReadableByteChannel stdoutChannel() {
        if (stdoutChannel == null) {
            stdoutChannel = PipeChannels.source(pipe(stdoutPipe, "stdout"), this);
        }
        return stdoutChannel;
    }

    /**
     * The child's stderr as a channel (the same pipe as {@link #stderr()}).
     *
     * @return a channel reading the pipe; the same one on every call
     * @throws IllegalStateException if the child's stderr is not a pipe
     */
    public synchronized ReadableByteChannel stderrChannel() {
        if (stderrChannel == null) {
            stderrChannel = PipeChannels.source(pipe(stderrPipe, "stderr"), this);
        }
        return stderrChannel;
    }

    private PipeEnd pipe(PipeEnd p, String which) {
        if (p == null) {
            throw new IllegalStateException(which + " of pid " + pid() + " is not a pipe: spawn it with "
                    + which + "(Stdio.pipe()) to get a stream");
        }
        return p;
    }

    /**
     * Hands the piped stdout and stderr to {@code listener} as they arrive, on the library's
     * callback thread ({@code pidspawn-exit}, shared by every child: keep the listener quick, or
     * give an executor). See {@link #onOutput(OutputListener, java.util.concurrent.Executor)}.
     *
     * @param listener receives the chunks
     * @return completes once both streams have ended and the listener's {@code onEnd} returned
     */
    public CompletableFuture<Void> onOutput(OutputListener listener) {
        return onOutput(listener, io.pidspawn.internal.reaper.ExitDispatcher.executor());
    }

    /**
     * Hands the piped stdout and stderr (whichever are {@link Stdio#pipe()}s) to {@code listener}
     * as they arrive, without a thread per child: the reaper reads, and the listener runs on
     * {@code executor}, one call at a time for this child, chunks in the order they were read
     * (stdout and stderr interleaved as they came, each tagged). The pipe is read again only
     * once the listener returned, so a slow listener slows the child down rather than this
     * process buffering its output. Do not read {@link #stdout()} or {@link #stderr()} as well.
     *
     * @param listener receives the chunks
     * @param executor runs the listener
     * @return completes once both streams have ended and the listener's {@code onEnd} returned;
     *     fails with what a read or the listener threw
     * @throws IllegalStateException if neither stdout nor stderr is a pipe
     */
    public CompletableFuture<Void> onOutput(OutputListener listener, java.util.concurrent.Executor executor) {
        java.util.Objects.requireNonNull(listener, "listener");
        java.util.Objects.requireNonNull(executor, "executor");
        if (stdoutPipe == null && stderrPipe == null) {
            throw new IllegalStateException("pid " + pid() + " has neither stdout nor stderr as a pipe: spawn it with "
                    + "stdout(Stdio.pipe()) to stream its output");
        }
        StdStream[] tags = StdStream.values();
        return io.pidspawn.internal.reaper.Relay.start(new PipeEnd[] {stdoutPipe, stderrPipe},
                new io.pidspawn.internal.reaper.Relay.Sink() {
                    @Override
                    public void chunk(int pipe, byte[] bytes) {
                        listener.onChunk(tags[pipe], bytes);
                    }

                    @Override
                    public void end(int pipe) {
                        listener.onEnd(tags[pipe]);
                    }
                }, executor);
    }

    // ---- signals ----

    /**
     * Sends a signal (0 only checks that the child runs).
     *
     * @param sig the signal number, 0 to {@link Signals#MAX}, for example {@link Signals#SIGTERM}
     * @return true if it was sent; false if the child has already exited
     * @throws ErrnoException if the kernel refused (EPERM: the child changed its credentials)
     * @throws IllegalStateException if the Child was closed while the child still ran
     */
    public boolean signal(int sig) throws ErrnoException {
        return watch.signal(sig);
    }

    /**
     * {@code signal(SIGKILL)}: false, not an error, when the child has already exited.
     *
     * @return true if the signal was sent; false if the child has already exited
     * @throws ErrnoException if the kernel refused (EPERM: the child changed its credentials)
     */
    public boolean kill() throws ErrnoException {
        return watch.signal(Signals.SIGKILL);
    }

    /**
     * Sends a signal to the process group the child leads, reaching the processes it started in
     * that group too: {@code kill(-pgid, sig)}. Only a child that leads its group can be signalled
     * so; a Command puts its children in this process's group unless told to start a new group
     * ({@link Command.Builder#processGroup processGroup(0)}), or the program does, as
     * {@code setsid(1)} does. Race-free while the child is not reaped, as its pid, and so its
     * group id, cannot be reused before. After the child has exited, processes it left in its
     * group are still reached, through the pidfd (PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9), until
     * the Child is waited for or closed; on older kernels nothing is sent once it has exited.
     *
     * @param sig the signal number, 0 to {@link Signals#MAX}
     * @return true if sent; false if there was nobody to send it to: the child has exited and
     *     its group is empty (or can no longer be reached, as above)
     * @throws IllegalStateException naming the group the child is in, when it leads none
     * @throws ErrnoException if the kernel refused (EPERM: a process in the group may not be signalled)
     */
    public boolean killProcessGroup(int sig) throws ErrnoException {
        return watch.signalGroup(sig);
    }

    /**
     * Kills, with SIGKILL, every process in the cgroup the child was started in
     * ({@link Command.Builder#cgroup}), by writing {@code 1} to its {@code cgroup.kill} (Linux
     * 5.14). Unlike {@link #killProcessGroup}, this reaches whatever the child started, even
     * daemons that left its session and group, and none can escape by forking meanwhile: the
     * kernel kills the whole cgroup (and the cgroups below it) at once. It also works after the
     * child has exited, to end what it left behind.
     *
     * <p>It kills every process in that cgroup, whoever started it: other children of the same
     * command (they share its cgroup) and anything else moved there. Give a command a cgroup of
     * its own, and the children you want to kill separately each their own command. A process
     * that moved itself to another cgroup is not killed.
     *
     * @throws IllegalStateException if the command gave the child no cgroup
     * @throws UnsupportedOperationException if the kernel has no cgroup.kill (before Linux 5.14)
     * @throws ErrnoException if writing it failed (ENOENT: the cgroup was removed)
     */
    public void killCgroup() throws ErrnoException {
        if (cgroup == null) {
            throw new IllegalStateException("pid " + pid() + " was not started in a cgroup of its own: "
                    + "give the command one with Command.Builder.cgroup");
        }
        Cgroups.kill(cgroup);
    }

    /**
     * Kills, with SIGKILL, the child and everything it started, by the strongest means it has
     * ({@link KillScope}): the cgroup the library created for it (every child of a command with
     * {@link Command.Builder#ownCgroup()} or a resource limit, and every {@link Command#output}
     * child with a timeout where the system lets the library create cgroups), which reaches
     * daemons that called setsid() or forked twice; else the process group it leads (every
     * {@code output()} child leads one unless its command chose its session or group); else the
     * child alone. It works after the child has exited too, for what it left running.
     *
     * @return how far the signal reached
     * @throws ErrnoException if the kernel refused to signal the cgroup or group
     */
    public KillScope killTree() throws ErrnoException {
        return watch.signalTree(Signals.SIGKILL);
    }

    /**
     * As {@link #killTree()}, with another signal (0 checks nothing and sends nothing).
     *
     * @param sig the signal number, 0 to {@link Signals#MAX}
     * @return how far the signal reached
     * @throws IllegalArgumentException if {@code sig} is not a signal number
     * @throws ErrnoException if the kernel refused to signal the cgroup or group
     */
    public KillScope signalTree(int sig) throws ErrnoException {
        return watch.signalTree(sig);
    }

    /**
     * Asks the child's tree to end, then makes sure it does: {@code sig} (SIGTERM, usually) to the
     * tree now, SIGKILL to the tree once {@code grace} has passed, as Go's Cmd.Cancel and WaitDelay
     * do. Returns at once; the SIGKILL is a timer on the library's reaper thread, not a thread per
     * child, and reaches whatever is still running then (even if the child itself ended on the
     * first signal). The same mechanism ends an {@link Command#output} timeout. Wait for the child
     * as usual ({@link #waitFor()}).
     *
     * @param sig the first signal, usually {@link Signals#SIGTERM}; with {@link Signals#SIGKILL}
     *     the grace does not matter
     * @param grace the time between {@code sig} and SIGKILL; not null
     * @return how far the signals reach
     * @throws IllegalArgumentException if {@code grace} is negative or {@code sig} is not a signal number
     */
    public KillScope terminate(int sig, Duration grace) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("negative grace period " + grace);
        }
        return watch.terminate(sig, grace);
    }

    /**
     * The directories of the cgroups the library created for this child (v2 first), empty when it
     * has none; they are removed once the child is reaped and nothing is left in them.
     *
     * @return the directories, under /sys/fs/cgroup; an empty list, not null, when there are none
     */
    public List<Path> ownCgroupDirectories() {
        return watch.cgroup() == null ? List.of() : watch.cgroup().directories();
    }

    /**
     * The cgroup directory the child was started in, if its command named one
     * ({@link Command.Builder#cgroup}).
     *
     * @return the directory, or empty if the command named none
     */
    public Optional<Path> cgroup() {
        return Optional.ofNullable(cgroup);
    }

    // ---- exit ----

    /**
     * Waits for the child to exit, then releases the pidfd; once it has, returns the same status at once.
     *
     * @return how the child ended
     * @throws InterruptedException if the thread was interrupted while waiting; the child runs on
     */
    public ExitStatus waitFor() throws InterruptedException {
        return watch.await();
    }

    /**
     * Waits at most {@code timeout}; true if the child has exited (the pidfd is then released).
     *
     * @param timeout the longest wait; zero or negative only checks; not null
     * @return true if the child has exited, false if it still runs after the timeout
     * @throws InterruptedException if the thread was interrupted while waiting; the child runs on
     */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return watch.await(timeout) != null;
    }

    /**
     * How the child ended, or empty while it runs. Never blocks and never releases the pidfd.
     *
     * @return the exit status once the child was reaped, else empty
     */
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(watch.now());
    }

    /**
     * Completes when the child exits. Callbacks run on one library thread ({@code pidspawn-exit}),
     * in order of exit, never on the reaper: a callback that blocks delays the ones after it, so
     * give blocking work its own executor ({@code thenApplyAsync(f, executor)}).
     *
     * @return the future of the exit status; the same one on every call
     */
    public CompletableFuture<ExitStatus> onExit() {
        return watch.published();
    }

    /**
     * What the kernel says about the child: pid, parent, credentials, cgroup; until it was waited for.
     *
     * @return the kernel's answer, read now
     * @throws ErrnoException if the kernel refused (ESRCH: the child has exited and was reaped)
     * @throws IllegalStateException once the child was waited for, or the Child closed
     */
    public PidfdInfo info() throws ErrnoException {
        return watch.info();
    }

    // ---- output ----

    /**
     * Reads what remains of the piped stdout and stderr to their end and waits for the exit. A
     * stream that is not a pipe reads as empty.
     *
     * @return the output and the exit status
     * @throws ErrnoException if reading a pipe failed
     * @throws InterruptedException if the thread was interrupted; the child is killed then, as
     *     nobody reads its pipes any more
     */
    public Output output() throws ErrnoException, InterruptedException {
        return output(Capture.defaults());
    }

    /**
     * As {@link #output()}, with a timeout and a limit. Input cannot be given here (the child
     * runs already): write it to {@link #stdin()}, or use {@link Command#output(Capture)}.
     *
     * @param capture the timeout and limit; not null
     * @return the output and the exit status, and whether the timeout or the limit ended the child
     * @throws IllegalArgumentException if the capture has input
     * @throws ErrnoException if reading a pipe failed
     * @throws InterruptedException if the thread was interrupted; the child is killed then
     */
    public Output output(Capture capture) throws ErrnoException, InterruptedException {
        if (capture.hasInput()) {
            throw new IllegalArgumentException("the child runs already: write its input to stdin(), "
                    + "or give the input to Command.output");
        }
        return Collector.collect(this, null, capture);
    }

    /**
     * As {@link #output(Capture)}, without a thread waiting: the future completes once the child
     * has exited and its piped stdout and stderr have ended, or the timeout has passed and the
     * child was killed. The reaper reads the pipes as it does for {@code output}; the future is
     * completed on the library's {@code pidspawn-exit} thread (never the reaper), where callbacks
     * attached without an executor run, in order of completion, so keep them short. The timeout
     * is kept by the JDK's shared delay scheduler thread ({@link CompletableFuture#orTimeout}).
     * Cancelling the future kills the child, as an interrupted {@code output} does: nobody reads
     * its pipes any more. It fails with the {@link ErrnoException} a read failed with.
     *
     * @param capture the timeout and limit; not null
     * @return a future of the output, completed on the {@code pidspawn-exit} thread
     * @throws IllegalArgumentException if the capture has input: write it to {@link #stdin()},
     *     give the child a file as stdin, or use {@link Command#output(SpawnOverrides, Capture)}
     */
    public CompletableFuture<Output> outputAsync(Capture capture) {
        if (capture.hasInput()) {
            throw new IllegalArgumentException("the child runs already: write its input to stdin(), "
                    + "or give the input to Command.output");
        }
        return Collector.collectAsync(this, capture);
    }

    /**
     * Closes the pipe ends and releases the pidfd. A child still running keeps running, and the
     * library reaps it when it exits (its cgroup, if it has one, is removed then); unless its
     * command was built with {@link Command.Builder#killTreeOnClose()}, which kills its tree
     * first, as {@link #killTree()}. Either way no fd remains. Dropping a Child unclosed does
     * the same once the garbage collector has found it unreachable.
     */
    @Override
    public void close() {
        resources.close();
    }

    ExitWatch watch() {
        return watch;
    }

    /** Whether the reaper still watches for this Child to become unreachable (tests). */
    boolean isTracked() {
        return resources.isTracked();
    }

    PipeEnd stdinPipe() {
        return stdinPipe;
    }

    PipeEnd stdoutPipe() {
        return stdoutPipe;
    }

    PipeEnd stderrPipe() {
        return stderrPipe;
    }

    @Override
    public String toString() {
        ExitStatus s = watch.exitFuture().isCompletedExceptionally() ? null : watch.peek();
        return "Child[pid " + pid() + ", " + program + (s == null ? ", running" : ", " + s) + "]";
    }
}
