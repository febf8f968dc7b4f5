package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a child's output pipe to its end on the reaper thread, into memory: no thread per child
 * and no deadlock however the child interleaves its outputs. Everything but {@link #start} and
 * {@link #stop} runs on the reaper thread, so the state needs no locking.
 */
public final class Drain {
    /** What was read, and whether reading stopped at the limit. */
    public record Result(byte[] bytes, boolean limitExceeded) {}

    /** The most a Java array holds. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    // Reads per readiness event before yielding to other fds: 16 x 64 KiB.
    private static final int READS_PER_EVENT = 16;
    // On stop, what a full pipe can hold (fs.pipe-max-size is 1 MiB by default) and then some.
    private static final int READS_ON_STOP = 32;
    private static final int STOP = -2;

    private final PipeEnd pipe;
    private final long limit;
    private final Runnable onLimit;
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    private final List<byte[]> chunks = new ArrayList<>();
    private long total;

    private Drain(PipeEnd pipe, long limit, Runnable onLimit) {
        this.pipe = pipe;
        this.limit = Math.min(limit, MAX_BYTES);
        this.onLimit = onLimit;
    }

    /**
     * Drains pipe until end of file, then closes it. Past {@code limit} bytes it keeps the first
     * {@code limit}, runs {@code onLimit} (library code, such as killing the child) and stops.
     */
    public static Drain start(PipeEnd pipe, long limit, Runnable onLimit) {
        Drain d = new Drain(pipe, limit, onLimit);
        Reaper.get().execute(() -> d.step(0));
        return d;
    }

    /** Completes once the pipe reached end of file, the limit, or {@link #stop}. */
    public CompletableFuture<Result> done() {
        return done;
    }

    /** Stops early: takes what the pipe holds now, then closes it (a grandchild may hold its other end). */
    public void stop() {
        Reaper.get().execute(() -> step(STOP));
    }

    private void step(int events) {
        if (done.isDone()) {
            return;
        }
        if (events == Reaper.CLOSED) { // closed under us, by the Child's close()
            complete(false);
            return;
        }
        boolean stopping = events == STOP;
        MemorySegment buf = Reaper.get().scratch();
        for (int i = 0; i < (stopping ? READS_ON_STOP : READS_PER_EVENT); i++) {
            long n = pipe.read(buf, buf.byteSize());
            if (n > 0) {
                if (append(buf, n)) {
                    return;
                }
            } else if (n == 0 || n == -Errno.EBADF && pipe.isClosed()) {
                finish();
                return;
            } else if (n == -Errno.EAGAIN) {
                if (stopping) {
                    finish();
                } else {
                    rearm();
                }
                return;
            } else if (n != -Errno.EINTR) {
                pipe.close();
                done.completeExceptionally(new ErrnoException("read", (int) -n, "the " + pipe.name() + " pipe"));
                return;
            }
        }
        if (stopping) {
            finish();
        } else {
            rearm(); // more to read, but let the other fds have their turn
        }
    }

    /** Keeps n bytes of buf; true when the limit was reached and the drain is over. */
    private boolean append(MemorySegment buf, long n) {
        long keep = Math.min(n, limit - total);
        if (keep > 0) {
            chunks.add(buf.asSlice(0, keep).toArray(ValueLayout.JAVA_BYTE));
            total += keep;
        }
        if (keep < n) {
            onLimit.run();
            pipe.close();
            complete(true);
            return true;
        }
        return false;
    }

    private void rearm() {
        try {
            pipe.arm(Libc.EPOLLIN, this::step);
        } catch (ErrnoException e) {
            pipe.close();
            done.completeExceptionally(e);
        }
    }

    private void finish() {
        pipe.close();
        complete(false);
    }

    private void complete(boolean limitExceeded) {
        byte[] all = new byte[(int) total];
        int at = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, all, at, c.length);
            at += c.length;
        }
        chunks.clear();
        done.complete(new Result(all, limitExceeded));
    }
}
