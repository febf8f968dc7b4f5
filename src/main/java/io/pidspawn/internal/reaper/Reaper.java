package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one thread that supervises every child and every pipe end the library watches: a daemon
 * platform thread, {@value #THREAD_NAME}, blocked in epoll_wait on all live pidfds, the pipe ends
 * being drained or waited on, and an eventfd that wakes it for {@link #execute queued work}.
 *
 * <p>Each registration carries a token, never the fd number, in its epoll data: an event that
 * arrives after its fd was deregistered finds no {@link Watch} and is dropped, and a number the
 * kernel reused can never be mistaken for the old fd.
 *
 * <p>An fd must be deregistered ({@link #remove}) before it is closed. A registration belongs to
 * the open file, not to the fd number, and a concurrent vfork child holds a copy of the fd table
 * until it execs: closed without EPOLL_CTL_DEL, a readable pidfd keeps firing for a number we
 * can no longer name (measured: ~750,000 stale events, each failing its DEL with EBADF).
 *
 * <p>Nothing here runs user code: watches only reap, move bytes and complete internal futures.
 */
public final class Reaper {
    /** Something registered for readiness; {@link #ready} runs on the reaper thread. */
    public interface Watch {
        /** The epoll events that fired, or {@link #CLOSED} when the watch's owner closed it. */
        void ready(int events);
    }

    /** The events passed to {@link Watch#ready} when the watched fd was closed under it. */
    public static final int CLOSED = -1;

    public static final String THREAD_NAME = "pidspawn-reaper";

    private static final long WAKE_TOKEN = 0;
    private static final int MAX_EVENTS = 256;
    private static final int SCRATCH_BYTES = 64 * 1024; // one default pipe buffer

    private final int epfd;
    private final int wakeFd;
    private final ConcurrentHashMap<Long, Watch> watches = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong(WAKE_TOKEN + 1);
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Thread thread;
    private MemorySegment scratch; // the reaper thread's own I/O buffer

    private static final class Holder {
        static final Reaper INSTANCE = new Reaper();
    }

    /** The reaper, started on first use; its epoll fd and eventfd live as long as the JVM. */
    public static Reaper get() {
        return Holder.INSTANCE;
    }

    private Reaper() {
        epfd = LongLivedFds.move(Libc.epollCreate1(Libc.EPOLL_CLOEXEC));
        if (epfd < 0) {
            throw new IllegalStateException("pidspawn: cannot start the reaper: epoll_create1: " + Errno.describe(-epfd));
        }
        wakeFd = LongLivedFds.move(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK));
        int r = wakeFd < 0 ? wakeFd : Libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, wakeFd, Libc.EPOLLIN, WAKE_TOKEN);
        if (r < 0) {
            Libc.close(epfd);
            if (wakeFd >= 0) {
                Libc.close(wakeFd);
            }
            throw new IllegalStateException("pidspawn: cannot start the reaper: eventfd: " + Errno.describe(-r));
        }
        thread = Thread.ofPlatform().daemon().name(THREAD_NAME).inheritInheritableThreadLocals(false).unstarted(this::loop);
        thread.setContextClassLoader(null);
        thread.start();
    }

    /** A new token for {@link #add}: taken first, so a watch knows its token before its first event. */
    public long newToken() {
        return tokens.getAndIncrement();
    }

    /** Registers fd for events (EPOLL_CTL_ADD) under a token from {@link #newToken}. */
    public void add(long token, int fd, int events, Watch watch) throws ErrnoException {
        watches.put(token, watch);
        int r = Libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, fd, events, token);
        if (r < 0) {
            watches.remove(token);
            throw new ErrnoException("epoll_ctl", -r, "EPOLL_CTL_ADD fd " + fd);
        }
    }

    /** Changes the events of a registered fd (EPOLL_CTL_MOD), re-arming an EPOLLONESHOT one. */
    public void modify(long token, int fd, int events) throws ErrnoException {
        int r = Libc.epollCtl(epfd, Libc.EPOLL_CTL_MOD, fd, events, token);
        if (r < 0) {
            throw new ErrnoException("epoll_ctl", -r, "EPOLL_CTL_MOD fd " + fd);
        }
    }

    /** Deregisters fd (EPOLL_CTL_DEL); call it while fd is still open, before closing it. */
    public void remove(long token, int fd) {
        watches.remove(token);
        int r = Libc.epollCtl(epfd, Libc.EPOLL_CTL_DEL, fd, 0, 0);
        if (r < 0 && r != -Errno.ENOENT) { // ENOENT: never armed, or already removed
            Log.error("epoll_ctl DEL fd " + fd + ": " + Errno.describe(-r), null);
        }
    }

    /** Runs task on the reaper thread, after the events it is handling now. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (wakePending.compareAndSet(false, true)) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
                one.set(ValueLayout.JAVA_LONG, 0, 1);
                Libc.write(wakeFd, one, 8); // cannot fail short of 2^64-1 pending wakes
            }
        }
    }

    /** The reaper thread's I/O buffer, for watches moving bytes on it. */
    MemorySegment scratch() {
        if (!isReaperThread()) {
            throw new IllegalStateException("the reaper's buffer is for the reaper thread");
        }
        return scratch;
    }

    private boolean isReaperThread() {
        return Thread.currentThread() == thread;
    }

    private void loop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(Libc.EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
            MemorySegment counter = arena.allocate(ValueLayout.JAVA_LONG);
            scratch = arena.allocate(SCRATCH_BYTES);
            while (true) {
                int n = Libc.epollWait(epfd, events, MAX_EVENTS, -1);
                if (n < 0) {
                    if (n != -Errno.EINTR) {
                        Log.error("epoll_wait: " + Errno.describe(-n), null);
                    }
                    continue;
                }
                // In the order epoll reports them, which is the order they became ready: exits
                // are delivered in the order they happened.
                for (int i = 0; i < n; i++) {
                    long token = Libc.epollData(events, i);
                    if (token == WAKE_TOKEN) {
                        // Read, then clear: cleared first, a wake written in between would be
                        // read here too, leaving wakePending set with nothing to wake us again.
                        Libc.read(wakeFd, counter, 8);
                        wakePending.set(false);
                        continue;
                    }
                    Watch w = watches.get(token);
                    if (w != null) {
                        dispatch(w, Libc.epollEvents(events, i));
                    }
                }
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    try {
                        task.run();
                    } catch (Throwable t) {
                        Log.error("a reaper task failed", t);
                    }
                }
            }
        }
    }

    private static void dispatch(Watch w, int events) {
        try {
            w.ready(events);
        } catch (Throwable t) {
            Log.error("a watch failed on events 0x" + Integer.toHexString(events), t);
        }
    }
}
