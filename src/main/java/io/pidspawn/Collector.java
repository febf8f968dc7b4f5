package io.pidspawn;

import io.pidspawn.internal.reaper.Drain;
import io.pidspawn.internal.reaper.ExitWatch;
import io.pidspawn.internal.reaper.Feed;
import io.pidspawn.internal.reaper.PipeEnd;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * output(): the reaper drains the pipes and feeds stdin while the caller parks on futures until
 * the child has exited and both outputs have ended, or the timeout passes.
 */
final class Collector {
    private static final byte[] NOTHING = new byte[0];

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
            if (capture.timeout() == null) {
                all.get();
            } else {
                try {
                    all.get(capture.timeout().toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    timedOut = true;
                    watch.killQuietly();
                    stop(out);
                    stop(err);
                }
            }
            ExitStatus status = watch.await(); // soon after a SIGKILL
            Drain.Result o = result(out);
            Drain.Result e = result(err);
            collected = true;
            return new Output(status, o.bytes(), e.bytes(), timedOut, o.limitExceeded() || e.limitExceeded());
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
