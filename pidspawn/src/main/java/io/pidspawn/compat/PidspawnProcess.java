package io.pidspawn.compat;

import io.pidspawn.Child;
import io.pidspawn.ErrnoException;
import io.pidspawn.Signals;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Process} started by {@link PidspawnProcessBuilder}: a pidspawn {@link Child} behind the
 * JDK's process API, for code written against {@code java.lang.Process}.
 *
 * <pre>{@code
 * Process p = new PidspawnProcessBuilder("git", "status", "--short").start();
 * String changes = new String(p.getInputStream().readAllBytes());
 * int exit = p.waitFor();                       // 128 + N if signal N killed it, as the JDK reports
 * }</pre>
 *
 * <p>It behaves as the JDK's own processes do: exit values (the code, or 128 plus the signal
 * that killed the child), {@link #exitValue()} throwing IllegalThreadStateException while the
 * child runs, {@link #destroy()} sending SIGTERM and {@link #destroyForcibly()} SIGKILL, both then
 * closing the three streams, null streams for fds that are not pipes, stdin buffered until
 * flushed, and, once the child has exited, what is left of its output kept in memory and its
 * pipes closed, so a process whose streams nobody closes holds no fd after its exit.
 *
 * <p>Where it differs (see the package documentation for the full list):
 * <ul>
 * <li>Signals go through the child's pidfd, so {@link #destroy()} can never reach another process
 *     that reused the pid, and the child is reaped by the library's one reaper thread, not a
 *     thread of its own.
 * <li>{@link #waitFor()} returns, and {@link #isAlive()} turns false, once the child is reaped
 *     <em>and</em> its remaining output has been buffered: after {@code waitFor()} the process
 *     holds no fd.
 * <li>{@link #toHandle()} is a handle backed by the pidfd; it equals only itself, not the JDK's
 *     {@code ProcessHandle.of(pid)} for the same pid. {@link #info()}, {@link #children()} and
 *     {@link #descendants()} are read from /proc by pid while the child runs, and are empty once
 *     it has been reaped.
 * <li>Reads and writes of the streams wait parked, never in a native call (a virtual thread
 *     leaves its carrier); like the JDK's, they ignore {@link Thread#interrupt()}.
 *     {@link InputStream#available()} counts what one read without waiting would return (at
 *     most 8 KiB), not the whole pipe.
 * </ul>
 */
public final class PidspawnProcess extends Process {
    private final Child child;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Integer> exitValue; // once reaped, output buffered and pipes closed
    private final ChildHandle handle = new ChildHandle(this);

    /** Takes the child and the parent's pipe ends (null where the fd is not a pipe to us). */
    PidspawnProcess(Child child, PipeOutput in, PipeInput out, PipeInput err) {
        this.child = child;
        this.stdin = in == null ? NullStreams.OUTPUT : new BufferedOutputStream(in);
        this.stdout = out == null ? NullStreams.INPUT : out;
        this.stderr = err == null ? NullStreams.INPUT : err;
        // On the library's exit thread: quick, never blocks (the streams' locks are not held while waiting).
        this.exitValue = child.onExit().handle((status, failure) -> {
            for (PipeInput p : new PipeInput[] {out, err}) {
                if (p != null) {
                    p.processExited();
                }
            }
            if (in != null) {
                in.processExited();
            }
            child.close(); // releases the pidfd; the status stays known
            return status != null ? status.shellCode() : -1; // -1 where the JDK also has none
        });
    }

    /**
     * The pidspawn child behind this process, for its pidfd or {@link Child#killCgroup()};
     * borrowed: do not close or wait for it. Its own stdio accessors have nothing: the pipes are
     * this process's streams.
     *
     * @return the child, owned by this process
     */
    public Child child() {
        return child;
    }

    /** The child's stdin (buffered: flush or close it), or a stream whose writes fail when it is not a pipe. */
    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    /** The child's stdout, or a stream at end of file when it is not a pipe. */
    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    /** The child's stderr, or a stream at end of file when it is not a pipe (or was merged into stdout). */
    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            return exitValue.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("pidspawn: finishing pid " + pid() + " failed; please report", e.getCause());
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout); // a null unit throws first, as in the JDK
        if (exitValue.isDone()) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        try {
            exitValue.get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException stillRunning) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("pidspawn: finishing pid " + pid() + " failed; please report", e.getCause());
        }
    }

    /** The exit code, or 128 + N if signal N killed the child. */
    @Override
    public int exitValue() {
        if (!exitValue.isDone()) {
            throw new IllegalThreadStateException("process hasn't exited");
        }
        return exitValue.join();
    }

    /** Sends SIGTERM unless the child has exited, then closes the three streams, as the JDK does. */
    @Override
    public void destroy() {
        signal(Signals.SIGTERM);
        closeStreams();
    }

    /** Sends SIGKILL unless the child has exited, then closes the three streams, as the JDK does. */
    @Override
    public Process destroyForcibly() {
        signal(Signals.SIGKILL);
        closeStreams();
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        return !exitValue.isDone();
    }

    @Override
    public long pid() {
        return child.pid();
    }

    /**
     * Completes with this process once it has exited; as in the JDK, on a thread of the common
     * ForkJoinPool, so that callbacks never hold up the library's exit thread.
     */
    @Override
    public CompletableFuture<Process> onExit() {
        return exitValue.<Process>thenApplyAsync(code -> this);
    }

    /** A handle backed by the pidfd (see the class documentation). */
    @Override
    public ProcessHandle toHandle() {
        return handle;
    }

    /** {@code Process[pid=1234, exitValue="not exited"]}, as the JDK's. */
    @Override
    public String toString() {
        return "Process[pid=" + pid() + ", exitValue=" + (exitValue.isDone() ? exitValue.join() : "\"not exited\"") + "]";
    }

    /** Signals through the pidfd: false if the child has exited (or refused: EPERM). */
    boolean signal(int sig) {
        if (exitValue.isDone()) {
            return false;
        }
        try {
            return child.signal(sig);
        } catch (ErrnoException | IllegalStateException e) {
            return false; // the JDK ignores a failed kill too
        }
    }

    /** Whether the child is not reaped yet, so its pid is still its own. */
    boolean running() {
        return child.exitStatus().isEmpty();
    }

    private void closeStreams() {
        for (java.io.Closeable s : new java.io.Closeable[] {stdin, stdout, stderr}) {
            try {
                s.close();
            } catch (IOException ignored) {
                // as the JDK: buffered stdin that cannot be flushed is dropped
            }
        }
    }
}
