package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/**
 * Writes bytes into a child's stdin pipe on the reaper thread, then closes it so the child sees
 * end of file. A child that stops reading (EPIPE) simply gets no more: that is not an error.
 */
public final class Feed {
    private final PipeEnd pipe;
    private final byte[] data;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private int written;

    private Feed(PipeEnd pipe, byte[] data) {
        this.pipe = pipe;
        this.data = data;
    }

    /** Starts feeding data (the array is not copied: do not change it meanwhile). */
    public static Feed start(PipeEnd pipe, byte[] data) {
        Feed f = new Feed(pipe, data);
        Reaper.get().execute(() -> f.step(0));
        return f;
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    /** Gives up on the rest and closes the pipe. */
    public void stop() {
        pipe.close();
    }

    private void step(int events) {
        if (done.isDone()) {
            return;
        }
        MemorySegment buf = Reaper.get().scratch();
        while (events != Reaper.CLOSED && written < data.length) {
            int chunk = (int) Math.min(buf.byteSize(), data.length - written);
            MemorySegment.copy(data, written, buf, ValueLayout.JAVA_BYTE, 0, chunk);
            long n = pipe.write(buf, chunk);
            if (n > 0) {
                written += (int) n;
            } else if (n == -Errno.EAGAIN) {
                try {
                    pipe.arm(Libc.EPOLLOUT, this::step);
                } catch (ErrnoException e) {
                    pipe.close();
                    done.completeExceptionally(e);
                }
                return;
            } else if (n == -Errno.EPIPE || n == -Errno.EBADF && pipe.isClosed()) {
                break;
            } else if (n != -Errno.EINTR) {
                pipe.close();
                done.completeExceptionally(new ErrnoException("write", (int) -n, "the " + pipe.name() + " pipe"));
                return;
            }
        }
        pipe.close();
        done.complete(null);
    }
}
