package io.pidspawn.internal.reaper;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fd shared by threads that must never see its number closed (and reused by the kernel) while
 * a system call is using it. Like Go's os.Process handle: every use brackets the call with
 * {@link #acquire()} and {@link #release()}; {@link #close()} drops the owner's reference, and the
 * fd is really closed when the last reference goes.
 *
 * <pre>{@code
 * if (handle.acquire()) {
 *     try { Libc.read(handle.fd(), buf, len); } finally { handle.release(); }
 * }
 * }</pre>
 */
public final class FdHandle {
    /** What runs once, when the last reference goes: epoll deregistration, then close(2). */
    @FunctionalInterface
    public interface Closer {
        void close(int fd);
    }

    private static final int CLOSED = 1, REF = 2;

    private final int fd;
    private final Closer closer;
    // REF per reference (the owner holds the first), plus the CLOSED bit once close() was called.
    private final AtomicInteger state = new AtomicInteger(REF);

    public FdHandle(int fd, Closer closer) {
        this.fd = fd;
        this.closer = closer;
    }

    /** The fd number: use it only between acquire and release, or while holding the owner's reference. */
    public int fd() {
        return fd;
    }

    /** Takes a reference; false once the handle is closed. */
    public boolean acquire() {
        for (int s = state.get(); ; s = state.get()) {
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + REF)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the fd. */
    public void release() {
        int s = state.addAndGet(-REF);
        if (s < REF) {
            if (s != CLOSED) {
                throw new IllegalStateException("fd " + fd + " released more often than acquired");
            }
            closer.close(fd);
        }
    }

    /** Drops the owner's reference, once; later calls do nothing. Returns whether this call closed it. */
    public boolean close() {
        for (int s = state.get(); ; s = state.get()) {
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                release();
                return true;
            }
        }
    }

    public boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }
}
