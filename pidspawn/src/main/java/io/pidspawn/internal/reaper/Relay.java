package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands a child's output pipes, chunk by chunk, to a consumer: the reaper reads (one-shot
 * readiness, one read per event), the consumer runs on an executor, one call at a time per child
 * in the order the chunks were read, and a pipe is watched again only once its chunk was
 * consumed. So at most one chunk per pipe is held in memory, and a slow consumer makes the child
 * block in write(2) instead of this process buffering without bound.
 */
public final class Relay {
    /** Where the chunks go; pipe is the index given to {@link #start}. */
    public interface Sink {
        void chunk(int pipe, byte[] bytes);

        void end(int pipe);
    }

    private static final int CHUNK = 64 * 1024;

    private final PipeEnd[] pipes;
    private final Sink sink;
    private final Serial serial;
    private final AtomicInteger open = new AtomicInteger();
    private final boolean[] ended; // reaper thread only: the pipe's end was handed to the sink
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private Relay(PipeEnd[] pipes, Sink sink, Executor executor) {
        this.pipes = pipes;
        this.sink = sink;
        this.serial = new Serial(executor);
        this.ended = new boolean[pipes.length];
    }

    /**
     * Starts relaying every non-null pipe; the future completes once each has ended and its
     * {@link Sink#end} returned, or fails with what a read or the sink threw (the pipes are then
     * closed, so the child's next write gets EPIPE).
     */
    public static CompletableFuture<Void> start(PipeEnd[] pipes, Sink sink, Executor executor) {
        Relay r = new Relay(pipes.clone(), sink, executor);
        for (PipeEnd p : r.pipes) {
            if (p != null) {
                r.open.incrementAndGet();
            }
        }
        if (r.open.get() == 0) {
            r.done.complete(null);
        }
        for (int i = 0; i < r.pipes.length; i++) {
            if (r.pipes[i] != null) {
                int which = i;
                Reaper.get().execute(() -> r.read(which));
            }
        }
        return r.done;
    }

    /** On the reaper thread: one read, then the chunk goes to the sink, or the pipe is watched again. */
    private void read(int which) {
        PipeEnd pipe = pipes[which];
        if (ended[which]) {
            return; // closing the pipe at its end wakes its last handler once more: the end is told once
        }
        if (done.isDone()) {
            pipe.close();
            return;
        }
        byte[] buf = new byte[CHUNK];
        long n = pipe.read(buf, 0, buf.length);
        if (n > 0) {
            byte[] chunk = n == buf.length ? buf : Arrays.copyOf(buf, (int) n);
            serial.execute(() -> {
                if (deliver(() -> sink.chunk(which, chunk))) {
                    arm(which);
                }
            });
        } else if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
            arm(which);
        } else if (n == 0 || n == -Errno.EBADF && pipe.isClosed()) {
            ended[which] = true;
            pipe.close();
            serial.execute(() -> {
                if (deliver(() -> sink.end(which)) && open.decrementAndGet() == 0) {
                    done.complete(null);
                }
            });
        } else {
            fail(new ErrnoException("read", (int) -n, "the " + pipe.name() + " pipe"));
        }
    }

    private void arm(int which) {
        try {
            pipes[which].arm(Libc.EPOLLIN, events -> read(which));
        } catch (ErrnoException e) {
            fail(e);
        }
    }

    private boolean deliver(Runnable call) {
        if (done.isDone()) {
            return false;
        }
        try {
            call.run();
            return true;
        } catch (RuntimeException | Error e) {
            fail(e);
            return false;
        }
    }

    private void fail(Throwable t) {
        for (PipeEnd p : pipes) {
            if (p != null) {
                p.close();
            }
        }
        done.completeExceptionally(t);
    }

    /** Runs tasks one at a time, in order, on an executor's threads. */
    private static final class Serial implements Executor {
        private final Executor base;
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean();

        Serial(Executor base) {
            this.base = base;
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            schedule();
        }

        private void schedule() {
            if (!tasks.isEmpty() && running.compareAndSet(false, true)) {
                base.execute(this::drain);
            }
        }

        private void drain() {
            try {
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    t.run();
                }
            } finally {
                running.set(false);
                schedule(); // a task added between the last poll and the reset
            }
        }
    }
}
