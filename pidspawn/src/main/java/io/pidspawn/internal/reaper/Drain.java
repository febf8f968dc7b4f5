package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a child's output pipe to its end on the reaper thread, into memory: no thread per child
 * and no deadlock however the child interleaves its outputs. Everything but {@link #start} and
 * {@link #stop} runs on the reaper thread, so the state needs no locking.
 *
 * <p>Bytes go from the pipe straight into Java arrays that double in size up to {@value
 * #MAX_CHUNK} bytes (large ones live outside the young generation, so the GC does not copy them
 * again), and are joined once at the end. A child that writes more than {@value #GROW_AFTER}
 * bytes gets a {@value #GROW_AFTER}-byte pipe, so that the reader wakes once per megabyte rather
 * than once per 64 KiB.
 */
public final class Drain {
    /** What was read, and whether reading stopped at the limit. */
    public record Result(byte[] bytes, boolean limitExceeded) {}

    /** The most a Java array holds. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private static final int FIRST_CHUNK = 16 << 10;
    private static final int MAX_CHUNK = 4 << 20;
    private static final int GROW_AFTER = 1 << 20;
    // Reads per readiness event before yielding to other fds.
    private static final int READS_PER_EVENT = 16;
    // On stop, what a full pipe can hold (fs.pipe-max-size is 1 MiB by default) and then some.
    private static final int READS_ON_STOP = 32;
    private static final int STOP = -2;
    private static final byte[] EMPTY = {};

    private final PipeEnd pipe;
    private final long limit;
    private final Runnable onLimit;
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    private final List<byte[]> full = new ArrayList<>(); // filled chunks, in order
    private byte[] chunk = EMPTY; // the one being filled, up to used
    private int used;
    private long total;
    private boolean grown;
    private boolean watching;

    private Drain(PipeEnd pipe, long limit, Runnable onLimit) {
        this.pipe = pipe;
        this.limit = Math.min(limit, MAX_BYTES);
        this.onLimit = onLimit;
    }

    /**
     * Drains pipe until end of file, then closes it (not a pty's primary: see finish). Past
     * {@code limit} bytes it keeps the first {@code limit}, runs {@code onLimit} (library code, such as killing the child) and stops.
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
        for (int i = 0; i < (stopping ? READS_ON_STOP : READS_PER_EVENT); i++) {
            if (used == chunk.length) {
                nextChunk();
            }
            // One byte past the limit, to tell a child that wrote exactly the limit from one that wrote more.
            int len = (int) Math.min(chunk.length - used, limit - total + 1);
            long n = pipe.read(chunk, used, len);
            if (n > 0) {
                if (kept((int) n)) {
                    return;
                }
                if (n < len && !stopping) {
                    watch(); // drained for now: the next write wakes us, without a read to hear EAGAIN first
                    return;
                }
            } else if (n == 0 || n == -Errno.EBADF && pipe.isClosed()) {
                finish();
                return;
            } else if (n == -Errno.EAGAIN) {
                if (stopping) {
                    finish();
                } else {
                    watch();
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
            watch(); // more to read, but let the other fds have their turn: level-triggered, it fires again
        }
    }

    private void nextChunk() {
        if (chunk.length > 0) {
            full.add(chunk);
        }
        long room = limit - total + 1;
        int size = chunk.length == 0 ? FIRST_CHUNK : Math.min(chunk.length * 2, MAX_CHUNK);
        chunk = new byte[(int) Math.max(1, Math.min(size, room))];
        used = 0;
    }

    /** Counts n bytes just read into the chunk; true when they passed the limit and the drain is over. */
    private boolean kept(int n) {
        long keep = Math.min(n, limit - total);
        used += (int) keep;
        total += keep;
        if (keep < n) {
            onLimit.run();
            pipe.close();
            complete(true);
            return true;
        }
        if (!grown && total > GROW_AFTER) {
            grown = true;
            pipe.grow(GROW_AFTER); // refused past the user's pipe-buffer limits: then it stays as it is
        }
        return false;
    }

    /** Registers for every readiness event, once: from then on the reaper calls step while data comes. */
    private void watch() {
        if (watching) {
            return;
        }
        watching = true;
        try {
            pipe.watch(Libc.EPOLLIN, this::step);
        } catch (ErrnoException e) {
            pipe.close();
            done.completeExceptionally(e);
        }
    }

    private void finish() {
        // A pty's primary stays open until the Child's close: closing it hangs the terminal up,
        // and the kernel's SIGHUP would kill a session leader that has closed its fds (so the
        // primary read EIO) but not exited yet.
        if (!pipe.isTerminal()) {
            pipe.close();
        }
        complete(false);
    }

    private void complete(boolean limitExceeded) {
        byte[] all;
        if (full.isEmpty() && used == chunk.length) {
            all = chunk; // exactly one full chunk: no copy
        } else {
            all = new byte[(int) total];
            int at = 0;
            for (byte[] c : full) {
                System.arraycopy(c, 0, all, at, c.length);
                at += c.length;
            }
            System.arraycopy(chunk, 0, all, at, used);
        }
        full.clear();
        chunk = EMPTY;
        done.complete(new Result(all, limitExceeded));
    }
}
