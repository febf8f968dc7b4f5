package io.pidspawn;

import io.pidspawn.internal.reaper.Drain;
import io.pidspawn.internal.reaper.ExitDispatcher;
import io.pidspawn.internal.reaper.ExitWatch;
import io.pidspawn.internal.reaper.Feed;
import io.pidspawn.internal.reaper.PipeEnd;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * output(): the reaper drains the pipes and feeds stdin while the caller parks on futures until
 * the child has exited and both outputs have ended, or the timeout passes. outputAsync(): the
 * same futures, combined without anyone parking.
 */
final class Collector {
    private static final byte[] NOTHING = new byte[0];
    /** How long after a timeout's SIGKILL the pipes may take to end. */
    private static final long AFTER_KILL_NANOS = 100_000_000L;

    private Collector() {}

    /**
     * Collects child's piped outputs, feeding input (if not null) to its stdin pipe. If this
     * does not return normally (interrupted, a read error) the child is killed: nobody else is
     * reading its pipes any more.
     */
    static Output collect(Child child, byte[] input, Capture capture) throws ErrnoException, InterruptedException {
        long start = System.nanoTime();
        ExitWatch watch = child.watch();
        Drain out = drain(child.stdoutPipe(), capture, watch);
        Drain err = drain(child.stderrPipe(), capture, watch);
        Feed feed = input != null ? Feed.start(child.stdinPipe(), input) : null;
        boolean collected = false;
        try {
            CompletableFuture<?> all = CompletableFuture.allOf(watch.exitFuture(), done(out), done(err));
            boolean timedOut = false;
            KillScope killed = null;
            if (capture.timeout() == null) {
                all.get();
            } else {
                try {
                    all.get(capture.timeout().toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    timedOut = true;
                    killed = watch.terminate(capture.timeoutSignal(), capture.grace());
                    // What the tree writes while it ends is kept, until the grace is over.
                    long wait = (capture.grace() == null ? 0 : capture.grace().toNanos()) + AFTER_KILL_NANOS;
                    try {
                        all.get(wait, TimeUnit.NANOSECONDS);
                    } catch (TimeoutException stillOpen) {
                        // a process outside the kill's reach holds a pipe: cut it off
                    }
                    stop(out);
                    stop(err);
                }
            }
            ExitStatus status = watch.await(); // by the end of the grace at the latest
            Drain.Result o = result(out);
            Drain.Result e = result(err);
            collected = true;
            boolean limited = o.limitExceeded() || e.limitExceeded();
            return new Output(status, o.bytes(), e.bytes(), timedOut, limited, killed != null ? killed : limited ? KillScope.CHILD : null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ErrnoException errno) {
                throw errno;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            if (!collected) {
                watch.killQuietly();
                stop(out);
                stop(err);
            }
            if (feed != null) {
                feed.stop();
            }
        }
    }

    /**
     * As {@link #collect} without input, returning at once (see {@link Child#outputAsync}). If
     * the future does not complete normally (a read error, cancelled) the child is killed.
     */
    static CompletableFuture<Output> collectAsync(Child child, Capture capture) {
        ExitWatch watch = child.watch();
        Drain out = drain(child.stdoutPipe(), capture, watch);
        Drain err = drain(child.stderrPipe(), capture, watch);
        CompletableFuture<Void> all = CompletableFuture.allOf(watch.exitFuture(), done(out), done(err));
        AtomicBoolean timedOut = new AtomicBoolean();
        KillScope[] killed = new KillScope[1];
        CompletableFuture<Void> ended = all;
        if (capture.timeout() != null) {
            // orTimeout cancels its timer when the copy completes: nothing lingers in the scheduler.
            ended = all.copy().orTimeout(capture.timeout().toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(t -> {
                if (!(t instanceof TimeoutException)) { // the copy's own timeout comes bare, all's failures wrapped
                    Throwable cause = t instanceof CompletionException c && c.getCause() != null ? c.getCause() : t;
                    return CompletableFuture.failedFuture(cause);
                }
                timedOut.set(true);
                killed[0] = watch.terminate(capture.timeoutSignal(), capture.grace());
                long wait = (capture.grace() == null ? 0 : capture.grace().toNanos()) + AFTER_KILL_NANOS;
                return all.copy().completeOnTimeout(null, wait, TimeUnit.NANOSECONDS).thenCompose(v -> {
                    stop(out);
                    stop(err);
                    return all; // the exit by the end of the grace, and what the pipes held
                });
            });
        }
        CompletableFuture<Output> result = ended.thenApplyAsync(v -> output(watch, out, err, timedOut.get(), killed[0]),
                ExitDispatcher.executor());
        result.whenComplete((o, failure) -> {
            if (failure != null) {
                watch.killQuietly();
                stop(out);
                stop(err);
            }
        });
        return result;
    }

    /** The Output once the exit and both drains are complete. */
    private static Output output(ExitWatch watch, Drain out, Drain err, boolean timedOut, KillScope killed) {
        ExitStatus status;
        try {
            status = watch.await(); // complete: returns at once, and releases the pidfd as waitFor() does
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted collecting a completed exit", e);
        }
        Drain.Result o = out == null ? new Drain.Result(NOTHING, false) : out.done().join();
        Drain.Result e = err == null ? new Drain.Result(NOTHING, false) : err.done().join();
        boolean limited = o.limitExceeded() || e.limitExceeded();
        return new Output(status, o.bytes(), e.bytes(), timedOut, limited, killed != null ? killed : limited ? KillScope.CHILD : null);
    }

    private static Drain drain(PipeEnd pipe, Capture capture, ExitWatch watch) {
        return pipe == null ? null : Drain.start(pipe, capture.limit(), watch::killQuietly);
    }

    private static CompletableFuture<?> done(Drain d) {
        return d == null ? CompletableFuture.completedFuture(null) : d.done();
    }

    private static void stop(Drain d) {
        if (d != null) {
            d.stop();
        }
    }

    private static Drain.Result result(Drain d) throws ExecutionException, InterruptedException {
        return d == null ? new Drain.Result(NOTHING, false) : d.done().get();
    }
}
