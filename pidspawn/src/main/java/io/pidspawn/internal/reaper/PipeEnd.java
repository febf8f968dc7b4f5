package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;

/**
 * The parent's end of a pipe to a child: non-blocking, owned by the child's handle, and watched
 * by the {@link Reaper} one event at a time (EPOLLONESHOT) whenever someone waits on it. Reads
 * and writes never block in native code; a caller who must wait parks on a future until the
 * reaper reports readiness, which a virtual thread does without holding its carrier.
 */
public final class PipeEnd implements Reaper.Watch {
    private final FdHandle fd;
    private final String name;
    private final long token;
    private final boolean terminal; // a pty's primary: EIO once every replica is closed means end of file
    private volatile boolean registered;
    private volatile IntConsumer handler;

    private PipeEnd(int fd, String name, boolean terminal) {
        this.fd = new FdHandle(fd, this::deregisterAndClose);
        this.name = name;
        this.terminal = terminal;
        this.token = Reaper.get().newToken();
    }

    /**
     * Takes ownership of a parent's pipe end, making it non-blocking (the flag belongs to this
     * end's open file only: the child's end stays blocking). On failure the fd is closed.
     */
    public static PipeEnd take(int fd, String name) throws ErrnoException {
        return take(fd, name, false);
    }

    /**
     * As {@link #take}, for the primary side of a pty: reads return end of file (0) where the
     * kernel says EIO, which it does once no process holds the replica and the output it left
     * has been read.
     */
    public static PipeEnd takeTerminal(int fd, String name) throws ErrnoException {
        return take(fd, name, true);
    }

    private static PipeEnd take(int fd, String name, boolean terminal) throws ErrnoException {
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0);
        int r = flags < 0 ? flags : Libc.fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK);
        if (r < 0) {
            Libc.close(fd);
            throw new ErrnoException("fcntl", -r, "O_NONBLOCK on the " + name + " pipe");
        }
        // A pipe end is the library's alone (EBADF to any spawn's file action); a pty's primary
        // is also the caller's, through Terminal.fd().
        return new PipeEnd(terminal ? LongLivedFds.move(fd) : LongLivedFds.moveInternal(fd), name, terminal);
    }

    /** Whether this is a pty's primary rather than a pipe end. */
    public boolean isTerminal() {
        return terminal;
    }

    /** What messages call it: {@code stdout of pid 1234}. */
    public String name() {
        return name;
    }

    /** As {@link #read(MemorySegment, long)}, straight into a Java array. */
    public long read(byte[] into, int offset, int len) {
        if (!fd.acquire()) {
            return -Errno.EBADF;
        }
        try {
            return endOfFile(Libc.readNonBlocking(fd.fd(), into, offset, len));
        } finally {
            fd.release();
        }
    }

    private long endOfFile(long n) {
        return terminal && n == -Errno.EIO ? 0 : n;
    }

    /** The fd number while open, else -1: borrowed, for a caller's own ioctls. */
    public int fdNumber() {
        return fd.isClosed() ? -1 : fd.fd();
    }

    /** How many bytes the pipe holds now (FIONREAD); 0 once it is closed. */
    public int available() throws ErrnoException {
        if (!fd.acquire()) {
            return 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
            int r = Libc.ioctl(fd.fd(), Libc.FIONREAD, count);
            if (r < 0) {
                throw new ErrnoException("ioctl", -r, "FIONREAD on the " + name + " pipe");
            }
            return count.get(ValueLayout.JAVA_INT, 0);
        } finally {
            fd.release();
        }
    }

    /**
     * Asks the kernel for a pipe buffer of {@code bytes} (F_SETPIPE_SZ), so that a child writing
     * much wakes the reader less often. Best effort: false if the kernel or a limit says no.
     */
    public boolean grow(int bytes) {
        if (!fd.acquire()) {
            return false;
        }
        try {
            return Libc.fcntl(fd.fd(), Libc.F_SETPIPE_SZ, bytes) >= 0;
        } finally {
            fd.release();
        }
    }

    /** read(2) without blocking: bytes read, 0 at end of file, or -errno (-EAGAIN: nothing yet; -EBADF: closed). */
    public long read(MemorySegment buf, long len) {
        if (!fd.acquire()) {
            return -Errno.EBADF;
        }
        try {
            return endOfFile(Libc.read(fd.fd(), buf, len));
        } finally {
            fd.release();
        }
    }

    /** write(2) without blocking: bytes written or -errno (-EAGAIN: full; -EPIPE: the child closed its end). */
    public long write(MemorySegment buf, long len) {
        if (!fd.acquire()) {
            return -Errno.EBADF;
        }
        try {
            return Libc.write(fd.fd(), buf, len);
        } finally {
            fd.release();
        }
    }

    /**
     * Asks the reaper for one readiness event: {@code handler} then runs on the reaper thread with
     * the events, or with {@link Reaper#CLOSED} if the pipe is (or gets) closed first.
     */
    public void arm(int events, IntConsumer handler) throws ErrnoException {
        register(events | Libc.EPOLLONESHOT, handler);
    }

    /**
     * Asks the reaper for every readiness event from now on (level-triggered, not one-shot):
     * {@code handler} runs on the reaper thread whenever the pipe is ready, until it is closed.
     * For a reader that keeps up with a fast writer: no re-arming system call per event.
     */
    public void watch(int events, IntConsumer handler) throws ErrnoException {
        register(events, handler);
    }

    private synchronized void register(int events, IntConsumer handler) throws ErrnoException {
        this.handler = handler;
        if (!fd.acquire()) {
            handler.accept(Reaper.CLOSED);
            return;
        }
        try {
            if (registered) {
                Reaper.get().modify(token, fd.fd(), events);
            } else {
                Reaper.get().add(token, fd.fd(), events, this);
                registered = true;
            }
        } finally {
            fd.release();
        }
    }

    /** Blocks the caller until the pipe is ready for events (parking, never in a native call). */
    public void await(int events) throws InterruptedIOException, AsynchronousCloseException, ErrnoException {
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        arm(events, ready::complete);
        int fired;
        try {
            fired = ready.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting on the " + name + " pipe");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (fired == Reaper.CLOSED) {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public void ready(int events) {
        IntConsumer h = handler;
        if (h != null) {
            h.accept(events);
        }
    }

    public boolean isClosed() {
        return fd.isClosed();
    }

    /**
     * Closes the parent's end (once; later calls do nothing). Whoever waits on it is told
     * {@link Reaper#CLOSED} on the reaper thread; the fd itself closes when the last read or
     * write using it returns.
     */
    public void close() {
        if (fd.close()) {
            Reaper.get().execute(() -> ready(Reaper.CLOSED));
        }
    }

    private void deregisterAndClose(int number) {
        if (registered) {
            Reaper.get().remove(token, number);
        }
        LongLivedFds.closeInternal(number);
    }
}
