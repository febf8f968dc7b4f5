package io.pidspawn.compat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.reaper.PipeEnd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.AsynchronousCloseException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdout or stderr pipe, behaving as the JDK's process streams do:
 * buffered, {@link #available()} counts what can be read without waiting, a read waits (parked,
 * never in native code) for data or end of file and is not interrupted by
 * {@link Thread#interrupt()}. When the child exits, {@link #processExited()} reads what is left
 * in the pipe into memory and closes the pipe, so its fd is released even if nobody ever closes
 * this stream; reads then return those bytes, then end of file.
 */
final class PipeInput extends InputStream {
    private static final int CHUNK = 8192;

    private final ReentrantLock readers = new ReentrantLock(); // one reader waits on the pipe at a time
    private final Object state = new Object(); // guards the fields below; never held while waiting
    private final MemorySegment scratch = Arena.ofAuto().allocate(CHUNK);
    private PipeEnd pipe; // null once drained or closed
    private byte[] buf = new byte[CHUNK];
    private int pos;
    private int count;
    private boolean eof;
    private boolean closed;

    PipeInput(PipeEnd pipe) {
        this.pipe = pipe;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        boolean interrupted = false;
        readers.lock();
        try {
            while (true) {
                PipeEnd waitOn;
                synchronized (state) {
                    ensureOpen();
                    if (len == 0) {
                        return 0;
                    }
                    if (pos < count) {
                        int n = Math.min(len, count - pos);
                        System.arraycopy(buf, pos, b, off, n);
                        pos += n;
                        return n;
                    }
                    if (eof || pipe == null) {
                        return -1;
                    }
                    if (fill()) {
                        continue;
                    }
                    if (eof) {
                        return -1;
                    }
                    waitOn = pipe;
                }
                try {
                    waitOn.await(Libc.EPOLLIN);
                } catch (AsynchronousCloseException drainedOrClosed) {
                    // look again: the buffer has what was left, or the stream is closed
                } catch (InterruptedIOException e) {
                    Thread.interrupted(); // cleared to wait again, restored below: the JDK's pipe reads ignore interrupts
                    interrupted = true;
                }
            }
        } finally {
            readers.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public int available() throws IOException {
        synchronized (state) {
            ensureOpen();
            if (pos == count && pipe != null && !eof) {
                fill();
            }
            return count - pos;
        }
    }

    @Override
    public void close() {
        synchronized (state) {
            closed = true;
            pos = count = 0;
            releasePipe();
        }
    }

    /** The child has exited: keeps what is left in the pipe and closes it. */
    void processExited() {
        synchronized (state) {
            if (pipe == null) {
                return;
            }
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            rest.write(buf, pos, count - pos);
            long n;
            while ((n = pipe.read(scratch, CHUNK)) > 0 || n == -Errno.EINTR) {
                if (n > 0) {
                    rest.write(scratch.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
                }
            }
            releasePipe();
            buf = rest.toByteArray();
            pos = 0;
            count = buf.length;
        }
    }

    /** Reads what the pipe has now into the empty buffer: true if it got bytes (else eof, or nothing yet). */
    private boolean fill() throws IOException {
        long n;
        do {
            n = pipe.read(scratch, CHUNK);
        } while (n == -Errno.EINTR);
        if (n > 0) {
            MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 0, buf, 0, (int) n);
            pos = 0;
            count = (int) n;
            return true;
        }
        if (n == 0) {
            eof = true;
        } else if (n != -Errno.EAGAIN) {
            throw new ErrnoException("read", (int) -n, "the " + pipe.name() + " pipe");
        }
        return false;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
    }

    private void releasePipe() {
        if (pipe != null) {
            pipe.close(); // wakes a reader waiting on it
            pipe = null;
        }
    }
}
