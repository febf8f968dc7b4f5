package io.pidspawn.compat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.reaper.PipeEnd;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.AsynchronousCloseException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdin pipe, unbuffered (the process wraps it in a
 * BufferedOutputStream, as the JDK does). A write to a full pipe waits, parked, and is not
 * interrupted by {@link Thread#interrupt()}; once the child has exited or the stream is closed,
 * writes fail with {@code IOException("Stream closed")}, and a child that closed its end makes
 * them fail with {@code IOException("Broken pipe")}: the JDK's messages.
 */
final class PipeOutput extends OutputStream {
    private static final int CHUNK = 8192;

    private final ReentrantLock writers = new ReentrantLock();
    private final MemorySegment scratch = Arena.ofAuto().allocate(CHUNK); // used under writers
    private final PipeEnd pipe;

    PipeOutput(PipeEnd pipe) {
        this.pipe = pipe;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        boolean interrupted = false;
        writers.lock();
        try {
            while (len > 0) {
                if (pipe.isClosed()) {
                    throw new IOException("Stream closed");
                }
                int chunk = Math.min(len, CHUNK);
                MemorySegment.copy(b, off, scratch, ValueLayout.JAVA_BYTE, 0, chunk);
                long n = pipe.write(scratch, chunk);
                if (n > 0) {
                    off += (int) n;
                    len -= (int) n;
                } else if (n == -Errno.EAGAIN) {
                    try {
                        pipe.await(Libc.EPOLLOUT);
                    } catch (AsynchronousCloseException closed) {
                        throw new IOException("Stream closed");
                    } catch (InterruptedIOException e) {
                        Thread.interrupted(); // cleared to wait again, restored below: the JDK's pipe writes ignore interrupts
                        interrupted = true;
                    }
                } else if (n == -Errno.EPIPE) {
                    throw new IOException(Errno.description(Errno.EPIPE));
                } else if (n == -Errno.EBADF && pipe.isClosed()) {
                    throw new IOException("Stream closed");
                } else if (n != -Errno.EINTR) {
                    throw new ErrnoException("write", (int) -n, "the " + pipe.name() + " pipe");
                }
            }
        } finally {
            writers.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Closes the pipe: the child reads end of file. */
    @Override
    public void close() {
        pipe.close();
    }

    /** The child has exited: nobody will read, so the pipe is closed now rather than when the stream is. */
    void processExited() {
        pipe.close();
    }
}
