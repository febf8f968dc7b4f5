package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * <p>The same thread does the library's periodic work ({@link Chore chores}): watching spawns
 * for a child stopped before exec, and releasing what unreachable children held. It ticks only
 * while a chore has something to do, and otherwise sleeps until an event: supervision costs one
 * thread, however many children there are.
 *
 * <p>Nothing here runs user code: watches only reap, move bytes and complete internal futures.
 */
public final class Reaper {
    /** Something registered for readiness; {@link #ready} runs on the reaper thread. */
    public interface Watch {
        /** The epoll events that fired, or {@link #CLOSED} when the watch's owner closed it. */
        void ready(int events);
    }

    /**
     * Periodic work on the reaper thread, every {@link #intervalNanos} while {@link #busy} says
     * there is some. A chore that becomes busy while the reaper sleeps without a timeout calls
     * {@link #nudge} after publishing what made it busy.
     */
    public interface Chore {
        long intervalNanos();

        /** Whether ticks are needed now; called on the reaper thread, cheap and thread-safe. */
        boolean busy(long nowNanos);

        /** The work, on the reaper thread. */
        void tick(long nowNanos);
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
    private final List<Chore> chores = new CopyOnWriteArrayList<>();
    private final Map<Chore, Long> due = new HashMap<>(); // the reaper thread's: when each busy chore ticks next
    /** One-shot timers (grace periods), the reaper thread's own: added through {@link #execute}. */
    private final java.util.PriorityQueue<Timer> timers = new java.util.PriorityQueue<>(
            java.util.Comparator.comparingLong((Timer t) -> t.at));
    /** Whether the reaper sleeps in epoll_wait with no timeout: a chore turning busy must wake it. */
    private volatile boolean sleeping;
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
        epfd = LongLivedFds.moveInternal(Libc.epollCreate1(Libc.EPOLL_CLOEXEC));
        if (epfd < 0) {
            throw new IllegalStateException("pidspawn: cannot start the reaper: epoll_create1: " + Errno.describe(-epfd));
        }
        wakeFd = LongLivedFds.moveInternal(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK));
        int r = wakeFd < 0 ? wakeFd : Libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, wakeFd, Libc.EPOLLIN, WAKE_TOKEN);
        if (r < 0) {
            LongLivedFds.closeInternal(epfd);
            LongLivedFds.closeInternal(wakeFd);
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
        // A token has a watch exactly while its fd is registered: none, nothing to deregister (as
        // after a waiter took the pidfd out of the set to wait on it itself).
        if (watches.remove(token) == null) {
            return;
        }
        int r = Libc.epollCtl(epfd, Libc.EPOLL_CTL_DEL, fd, 0, 0);
        if (r < 0 && r != -Errno.ENOENT) { // ENOENT: a remove racing the add that put the watch
            Log.error("epoll_ctl DEL fd " + fd + ": " + Errno.describe(-r), null);
        }
    }

    /** Adds a chore for good; it ticks whenever it is busy. */
    public void addChore(Chore chore) {
        chores.add(chore);
        nudge();
    }

    /**
     * Wakes the reaper if it sleeps without a timeout, so that it sees a chore that just became
     * busy. Cheap otherwise: one volatile read.
     */
    public void nudge() {
        if (sleeping) {
            wake();
        }
    }

    /** A task {@link #schedule scheduled} on the reaper thread; cancelling it keeps it from running. */
    public static final class Timer {
        final long at;
        final Runnable task;
        private volatile boolean cancelled;

        Timer(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }

        public void cancel() {
            cancelled = true;
        }
    }

    /**
     * Runs task on the reaper thread once delayNanos have passed: the one timer behind every grace
     * period, so that a thousand children in their grace cost no thread each. Keep it short.
     */
    public Timer schedule(long delayNanos, Runnable task) {
        Timer t = new Timer(System.nanoTime() + Math.max(0, delayNanos), task);
        execute(() -> timers.add(t));
        return t;
    }

    /** Runs the timers that are due; the epoll_wait timeout until the next one, or -1. */
    private int runTimers() {
        for (Timer t; (t = timers.peek()) != null; ) {
            long left = t.at - System.nanoTime();
            if (left > 0 && !t.cancelled) {
                return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000));
            }
            timers.poll();
            if (!t.cancelled) {
                try {
                    t.task.run();
                } catch (Throwable e) {
                    Log.error("a reaper timer failed", e);
                }
            }
        }
        return -1;
    }

    /** Runs task on the reaper thread, after the events it is handling now. */
    public void execute(Runnable task) {
        tasks.add(task);
        wake();
    }

    private void wake() {
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
            int timeoutMillis = runChores();
            while (true) {
                int n = Libc.epollWait(epfd, events, MAX_EVENTS, timeoutMillis);
                sleeping = false;
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
                timeoutMillis = earliest(runChores(), runTimers());
            }
        }
    }

    private static int earliest(int a, int b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** Ticks the busy chores that are due; returns the epoll_wait timeout until the next one (-1: none). */
    private int runChores() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (Chore c : chores) {
            if (!c.busy(now)) {
                due.remove(c);
                continue;
            }
            long at = due.computeIfAbsent(c, k -> now + k.intervalNanos());
            if (now - at >= 0) {
                try {
                    c.tick(now);
                } catch (Throwable t) {
                    Log.error("a reaper chore failed", t);
                }
                at = System.nanoTime() + c.intervalNanos();
                due.put(c, at);
            }
            next = Math.min(next, at);
        }
        if (next != Long.MAX_VALUE) {
            return (int) Math.max(1, (next - System.nanoTime() + 999_999) / 1_000_000);
        }
        // Declared asleep first, then checked: a chore turning busy now either is seen here or sees
        // the flag and wakes us (both are volatile accesses, so one of them sees the other).
        sleeping = true;
        for (Chore c : chores) {
            if (c.busy(now)) {
                sleeping = false;
                return 0;
            }
        }
        return -1;
    }

    private static void dispatch(Watch w, int events) {
        try {
            w.ready(events);
        } catch (Throwable t) {
            Log.error("a watch failed on events 0x" + Integer.toHexString(events), t);
        }
    }
}
