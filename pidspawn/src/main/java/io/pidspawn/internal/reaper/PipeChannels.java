package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blocking channels over a {@link PipeEnd}: a read or write that would block parks the caller
 * until the reaper reports the pipe ready. One read (or write) at a time; closing the channel
 * closes the pipe end and wakes whoever waits on it.
 */
public final class PipeChannels {
    private static final int MAX_CHUNK = 64 * 1024;

    private PipeChannels() {}

    /**
     * A channel reading pipe. {@code owner} stays reachable as long as the channel does: it is the
     * object whose cleaner would otherwise close the pipe under someone still reading it.
     */
    public static ReadableByteChannel source(PipeEnd pipe, Object owner) {
        return new Source(pipe, owner);
    }

    /**
     * An InputStream reading {@code source} (a {@link #source} of pipe), whose available() is
     * what the pipe holds: a reader can tell that a read will not block.
     */
    public static InputStream inputStream(PipeEnd pipe, ReadableByteChannel source) {
        return new FilterInputStream(Channels.newInputStream(source)) {
            @Override
            public int available() throws IOException {
                return pipe.available();
            }
        };
    }

    /** A channel writing pipe; {@code owner} as for {@link #source}. */
    public static WritableByteChannel sink(PipeEnd pipe, Object owner) {
        return new Sink(pipe, owner);
    }

    private abstract static class Base {
        final PipeEnd pipe;
        final Object owner;
        final ReentrantLock lock = new ReentrantLock(); // a virtual thread may park holding it

        Base(PipeEnd pipe, Object owner) {
            this.pipe = pipe;
            this.owner = owner;
        }

        public boolean isOpen() {
            return !pipe.isClosed();
        }

        public void close() {
            pipe.close();
        }

        /** Runs io on a native view of buf: the buffer itself when direct, else a bounded copy. */
        int transfer(ByteBuffer buf, int events, boolean reading) throws IOException {
            if (!buf.hasRemaining()) {
                return 0;
            }
            lock.lock();
            try (Arena a = Arena.ofConfined()) {
                int len = buf.isDirect() ? buf.remaining() : Math.min(buf.remaining(), MAX_CHUNK);
                MemorySegment seg = buf.isDirect() ? MemorySegment.ofBuffer(buf) : a.allocate(len);
                if (!reading && !buf.isDirect()) {
                    seg.copyFrom(MemorySegment.ofBuffer(buf.slice(buf.position(), len)));
                }
                while (true) {
                    long n = reading ? pipe.read(seg, len) : pipe.write(seg, len);
                    if (n >= 0) {
                        if (n == 0 && reading) {
                            return -1;
                        }
                        if (reading && !buf.isDirect()) {
                            MemorySegment.ofBuffer(buf.slice(buf.position(), (int) n)).copyFrom(seg.asSlice(0, n));
                        }
                        buf.position(buf.position() + (int) n);
                        return (int) n;
                    }
                    if (n == -Errno.EAGAIN) {
                        pipe.await(events);
                    } else if (n == -Errno.EBADF && pipe.isClosed()) {
                        throw new ClosedChannelException();
                    } else if (n != -Errno.EINTR) {
                        throw new ErrnoException(reading ? "read" : "write", (int) -n, "the " + pipe.name() + " pipe");
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private static final class Source extends Base implements ReadableByteChannel {
        Source(PipeEnd pipe, Object owner) {
            super(pipe, owner);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return transfer(dst, Libc.EPOLLIN, true);
        }
    }

    private static final class Sink extends Base implements WritableByteChannel {
        Sink(PipeEnd pipe, Object owner) {
            super(pipe, owner);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return transfer(src, Libc.EPOLLOUT, false);
        }
    }
}
