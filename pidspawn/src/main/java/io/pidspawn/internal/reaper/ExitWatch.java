package io.pidspawn.internal.reaper;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.KillScope;
import io.pidspawn.Signals;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import io.pidspawn.uapi.ChildCgroup;
import io.pidspawn.uapi.PidfdInfo;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.Spawned;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One child under supervision: its pidfd, registered with the {@link Reaper} until the child is
 * reaped, and how it ended. The reaper holds this object (and a reference to the pidfd), never
 * the public {@code Child}: a child nobody waits for is still reaped.
 *
 * <p>The registration is deferred: a new child's pidfd joins the reaper's epoll set within about
 * {@value #DEFER_MILLIS} ms ({@link Deferred}, a chore of the reaper), or at once when something
 * needs its exit promptly (a future, a virtual-thread waiter, a kill, the Child closed). A
 * platform thread that waits for it before then takes it from the queue and waits on the pidfd
 * itself: the common spawn-and-wait never costs an epoll_ctl, nor a wake of the reaper. A child
 * nobody waits for is reaped at most that much later than it would be.
 */
public final class ExitWatch implements Reaper.Watch {
    private final int pid;
    private final FdHandle pidfd;
    private final long token;
    /** Completed on the reaper thread; internal only, so no user callback ever runs there. */
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    /** The future users attach callbacks to; created on demand, completed by the ExitDispatcher. */
    private CompletableFuture<ExitStatus> published; // guarded by this
    /** Reaping takes it exclusively: while a reader holds it, the pid cannot be freed for reuse. */
    private final ReentrantReadWriteLock reaping = new ReentrantReadWriteLock();
    private volatile boolean reaped;
    /** Whether the kernel takes PIDFD_SIGNAL_PROCESS_GROUP (Linux 6.9); found out on first use. */
    private static volatile boolean groupSignalByPidfd = true;
    private volatile boolean observed;
    /** Whether a thread waits for the exit itself ({@link #awaitDirectly}); one at a time. */
    private volatile boolean directWaiter;
    private static final VarHandle DIRECT_WAITER;
    /** How long a platform thread waits in the kernel itself before it parks on the reaper. */
    private static final int DIRECT_WAIT_MILLIS = 20;
    /** At most this long a new child waits outside the reaper's epoll set for a direct waiter. */
    static final int DEFER_MILLIS = 20;
    /**
     * Whether the pidfd waits in {@link Deferred}'s queue, in no epoll set yet. Changed only under
     * this object's monitor, taken before the reaping lock: whoever clears it owns the registration
     * (adds the pidfd to the set, or, a direct waiter, polls it itself), so it is never added twice.
     */
    private volatile boolean deferred = true;
    /** When the child was queued, for {@link Deferred}; written before the queue publishes it. */
    private long deferredAt = System.nanoTime();
    /** Whether the pidfd ever entered the reaper's epoll set; for tests. */
    private volatile boolean everWatched;

    static {
        try {
            DIRECT_WAITER = MethodHandles.lookup().findVarHandle(ExitWatch.class, "directWaiter", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The cgroups the library created for the child, or null. */
    private final ChildCgroup cgroup;
    /** Whether the child was made the leader of a process group of its own. */
    private final boolean leadsGroup;

    private ExitWatch(int pid, int pidfd, long token, ChildCgroup cgroup, boolean leadsGroup) {
        this.pid = pid;
        this.pidfd = new FdHandle(pidfd, ExitWatch::closePidfd);
        this.token = token;
        this.cgroup = cgroup;
        this.leadsGroup = leadsGroup;
    }

    /**
     * Puts a child the UAPI just started under supervision; the watch owns its pidfd from now on.
     * Its registration with the reaper is deferred (see the class comment).
     */
    public static ExitWatch start(Spawned child) throws ErrnoException {
        return start(child, false);
    }

    /** As {@link #start(Spawned)}, for a child that leads a process group of its own (setsid, setpgid 0). */
    public static ExitWatch start(Spawned child, boolean leadsGroup) throws ErrnoException {
        Reaper reaper = Reaper.get();
        // Above the fds later spawns hand to their children, so those spawns need not copy it.
        int pidfd = LongLivedFds.move(child.pidfd());
        ExitWatch w = new ExitWatch(child.pid(), pidfd, reaper.newToken(), child.cgroup(), leadsGroup);
        w.pidfd.acquire(); // the reaper's reference, dropped once it has reaped the child
        Deferred.INSTANCE.queue(w);
        return w;
    }

    /**
     * Hands the pidfd to the reaper's epoll set now, unless that was done, a direct waiter took
     * it, or the child is reaped: for whatever needs to learn of the exit without waiting for it.
     */
    private void watchNow() {
        if (!deferred) {
            return;
        }
        synchronized (this) {
            if (!deferred) {
                return;
            }
            deferred = false;
            try {
                register(Reaper.get());
            } catch (ErrnoException e) {
                // epoll_ctl ADD fails only for lack of memory: queued again, tried at a later tick
                Log.error("cannot hand pid " + pid + " to the reaper yet; trying again", e);
                deferred = true;
                deferredAt = System.nanoTime();
                Deferred.INSTANCE.queue(this);
            }
        }
    }

    /** Whether the pidfd ever entered the reaper's epoll set: false for a child its caller waited for at once. */
    boolean everWatched() {
        return everWatched;
    }

    /**
     * New children waiting to join the reaper's epoll set. A chore of the reaper, so that in a
     * loop of spawns it ticks on the reaper's timeout, with no eventfd write per spawn: every
     * {@value #DEFER_MILLIS} ms while the queue is not empty, it registers the children no direct
     * waiter took, but those queued less than {@link #AGE_NANOS} ago, whose caller may be on its
     * way to wait (they go at the next tick). A direct waiter removes the child it takes, so
     * that in a loop of spawn-and-wait the queue is mostly empty and the chore seldom ticks; a
     * child nobody waits for is reaped at most about 20 ms late.
     */
    static final class Deferred implements Reaper.Chore {
        private static final long INTERVAL_NANOS = DEFER_MILLIS * 1_000_000L;
        private static final long AGE_NANOS = 2_000_000L;
        static final Deferred INSTANCE = new Deferred();
        /** How long a child stays queued; AGE_NANOS but in tests. */
        private volatile long ageNanos = AGE_NANOS;
        private final ConcurrentLinkedQueue<ExitWatch> queue = new ConcurrentLinkedQueue<>();
        private final Reaper reaper = Reaper.get();

        private Deferred() {
            reaper.addChore(this);
        }

        void queue(ExitWatch w) {
            queue.add(w);
            reaper.nudge(); // a write to the eventfd only when the reaper sleeps with no timeout
        }

        /**
         * Drops a child a direct waiter took: with nothing left queued the chore is idle, and the
         * reaper does not wake for it. The queue holds at most about 20 ms of spawns, and the
         * taker's own child is usually the only one.
         */
        void forget(ExitWatch w) {
            queue.remove(w);
        }

        /** Whether w is still queued; for tests. */
        boolean queued(ExitWatch w) {
            return queue.contains(w);
        }

        @Override
        public long intervalNanos() {
            return INTERVAL_NANOS;
        }

        @Override
        public boolean busy(long now) {
            return !queue.isEmpty();
        }

        @Override
        public void tick(long now) {
            long age = ageNanos;
            for (ExitWatch w; (w = queue.peek()) != null && now - w.deferredAt >= age; ) {
                queue.remove(w); // by identity: a waiter may have taken w meanwhile, and poll would drop the next
                w.watchNow();
            }
        }

        /** Tests only: how long a new child waits for a direct waiter; a negative age restores the default. */
        static void setAgeMillis(long millis) {
            INSTANCE.ageNanos = millis < 0 ? AGE_NANOS : millis * 1_000_000L;
        }
    }

    public int pid() {
        return pid;
    }

    /** The pidfd; the number stays valid until {@link #await} returns or {@link #releaseOwner}. */
    public int pidfd() {
        if (pidfd.isClosed()) {
            throw released();
        }
        return pidfd.fd();
    }

    private IllegalStateException released() {
        return new IllegalStateException("the pidfd of pid " + pid + " is released: the Child was waited for or closed");
    }

    // ---- on the reaper thread ----

    @Override
    public void ready(int events) {
        reap();
    }

    /**
     * Reaps the child if it has exited and nobody reaped it yet: on the reaper thread when its
     * pidfd turns readable, or on a thread waiting for it directly ({@link #await()}).
     */
    private void reap() {
        ExitStatus status;
        reaping.writeLock().lock();
        try {
            if (reaped) {
                return;
            }
            status = PidfdSpawn.pidfd_wait(pidfd.fd(), PidfdSpawn.WNOHANG);
            if (status == null) {
                return; // readable a moment before it is waitable; level-triggered, so it fires again
            }
            reaped = true;
        } catch (ErrnoException e) {
            reaped = true;
            status = reapedElsewhere(e);
        } finally {
            reaping.writeLock().unlock();
        }
        Reaper.get().remove(token, pidfd.fd()); // before the release that may close it
        pidfd.release(); // the reaper's reference
        if (cgroup != null) {
            if (status != null && status.usage().isPresent()) {
                status = status.withUsage(status.usage().get().withCgroup(cgroup.memoryPeakBytes(), cgroup.oomKilled()));
            }
            CgroupJanitor.release(cgroup);
        }
        if (status != null) {
            exit.complete(status);
        }
        CompletableFuture<ExitStatus> p;
        synchronized (this) {
            p = published;
        }
        if (p != null) {
            ExitDispatcher.publish(exit, p);
        }
    }

    /** Someone reaped the child through its pidfd behind our back: the kernel may still know how it ended. */
    private ExitStatus reapedElsewhere(ErrnoException waitid) {
        if (waitid.errno() == Errno.ECHILD) {
            try {
                ExitStatus s = PidfdSpawn.pidfd_info(pidfd.fd()).exit(); // PIDFD_INFO_EXIT, Linux 6.15
                if (s != null) {
                    return s;
                }
            } catch (ErrnoException ignored) {
                // fall through: the status is lost
            }
        }
        exit.completeExceptionally(new IllegalStateException("pid " + pid
                + " was reaped outside its Child (waitid: " + Errno.describe(waitid.errno())
                + ") and this kernel cannot tell how it ended", waitid));
        return null;
    }

    // ---- for the Child ----

    /**
     * Waits for the exit. A platform thread first waits in the kernel itself, for up to {@value
     * #DIRECT_WAIT_MILLIS} ms, and reaps the child on its own if it exits by then: the kernel
     * wakes it directly, without a hop through the reaper thread, which is what makes a short
     * command's spawn-and-wait as fast as C's. After that, and always on a virtual thread, it
     * parks on the reaper's future: no native call blocks, so a virtual thread unmounts, and an
     * interrupt is seen at once. Once the status is returned the owner's pidfd reference is
     * released, as Go's Process.Wait does: the child is gone, and a waited-for child holds no fd
     * even if nobody closes it.
     */
    public ExitStatus await() throws InterruptedException {
        awaitDirectly(DIRECT_WAIT_MILLIS);
        watchNow(); // a virtual thread, or another thread's direct wait: the reaper tells us
        try {
            return waited(exit.get());
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /** As {@link #await()}; null if the child still runs after the timeout. */
    public ExitStatus await(Duration timeout) throws InterruptedException {
        long nanos = Math.max(0, timeout.toNanos());
        long start = System.nanoTime();
        awaitDirectly((int) Math.min(DIRECT_WAIT_MILLIS, nanos / 1_000_000L));
        watchNow();
        try {
            long left = Math.max(0, nanos - (System.nanoTime() - start));
            return waited(exit.get(left, TimeUnit.NANOSECONDS));
        } catch (TimeoutException stillRunning) {
            return null;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /**
     * The direct wait: the pidfd leaves the reaper's epoll set (so that its exit wakes only this
     * thread), this thread polls it for up to millis, and reaps the child if it exited; else the
     * pidfd goes back to the reaper. One direct waiter at a time; others park at once.
     */
    private void awaitDirectly(int millis) throws InterruptedException {
        if (millis <= 0 || exit.isDone() || Thread.currentThread().isVirtual()
                || !DIRECT_WAITER.compareAndSet(this, false, true)) {
            return;
        }
        try {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (!pidfd.acquire()) {
                return;
            }
            Reaper reaper = Reaper.get();
            try {
                boolean taken = false;
                synchronized (this) {
                    reaping.readLock().lock();
                    try {
                        if (reaped) {
                            return;
                        }
                        if (deferred) {
                            deferred = false; // taken before it reached the reaper's set: nothing to remove
                            taken = true;
                        } else {
                            reaper.remove(token, pidfd.fd());
                        }
                    } finally {
                        reaping.readLock().unlock();
                    }
                }
                if (taken) {
                    Deferred.INSTANCE.forget(this);
                }
                boolean exited = false;
                try {
                    exited = PidfdSpawn.pidfd_poll(pidfd.fd(), millis);
                } catch (ErrnoException e) {
                    // cannot happen on a pidfd we hold; the reaper takes over below
                }
                if (exited) {
                    reap();
                }
                if (!rewatch(reaper)) {
                    awaitHere();
                }
            } finally {
                pidfd.release();
            }
        } finally {
            directWaiter = false;
        }
    }

    /**
     * Gives the pidfd back to the reaper after a direct wait it outlived; false if epoll would
     * not take it. Under the reaping lock: an event the reaper fetched before the pidfd left its
     * set may be reaping the child now, and a pidfd added after that reap would stay registered.
     */
    private boolean rewatch(Reaper reaper) {
        try {
            register(reaper);
            return true;
        } catch (ErrnoException e) {
            // epoll_ctl ADD fails only for lack of memory
            Log.error("cannot give pid " + pid + " back to the reaper; waiting for it here", e);
            return false;
        }
    }

    /** Adds the pidfd to the reaper's epoll set unless the child is reaped; its caller owns the registration. */
    private void register(Reaper reaper) throws ErrnoException {
        reaping.readLock().lock();
        try {
            if (!reaped) {
                reaper.add(token, pidfd.fd(), Libc.EPOLLIN, this);
                everWatched = true;
            }
        } finally {
            reaping.readLock().unlock();
        }
    }

    /** Waits for the exit and reaps the child on this thread, however long that takes. */
    private void awaitHere() {
        try {
            while (!reaped && !PidfdSpawn.pidfd_poll(pidfd.fd(), -1)) {
                // until it exits
            }
        } catch (ErrnoException ignored) {
            // a held pidfd cannot fail to poll
        }
        reap();
    }

    /** The status if the child has been reaped, else null. */
    public ExitStatus now() {
        watchNow(); // a caller polling for the exit learns of it as promptly as before
        ExitStatus s = peek();
        return s == null ? null : observe(s);
    }

    /** As {@link #now}, for messages: looking does not count as having waited. */
    public ExitStatus peek() {
        if (!exit.isDone()) {
            return null;
        }
        try {
            return exit.join();
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    /** Completes (internally) when the child is reaped; for library code only: no user callbacks. */
    public CompletableFuture<ExitStatus> exitFuture() {
        watchNow();
        return exit;
    }

    /** A future for users: its callbacks never run on the reaper thread. */
    public CompletableFuture<ExitStatus> published() {
        observed = true;
        watchNow();
        CompletableFuture<ExitStatus> p;
        synchronized (this) {
            if (published == null) {
                published = new CompletableFuture<>();
                if (exit.isDone()) {
                    ExitDispatcher.publish(exit, published);
                }
            }
            p = published;
        }
        return p.copy();
    }

    /** Whether anyone learned how the child ended (or asked to be told). */
    public boolean observed() {
        return observed;
    }

    public void markObserved() {
        observed = true;
    }

    /**
     * Sends sig through the pidfd. False once the child has exited: a zombie is not signalled,
     * and a reaped child's pid, which may belong to another process by now, is never used.
     */
    public boolean signal(int sig) throws ErrnoException {
        checkSignal(sig);
        if (exit.isDone()) {
            return false;
        }
        if (!pidfd.acquire()) {
            throw released();
        }
        try {
            if (PidfdSpawn.pidfd_poll(pidfd.fd(), 0)) {
                return false; // exited, not reaped yet
            }
            PidfdSpawn.pidfd_send_signal(pidfd.fd(), sig, 0);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) {
                return false;
            }
            throw e;
        } finally {
            pidfd.release();
        }
    }

    /** SIGKILL for library code (limits, timeouts): never throws, false when there was nothing to kill. */
    public boolean killQuietly() {
        try {
            return signal(Signals.SIGKILL);
        } catch (ErrnoException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * Sends sig to the process group the child leads, with kill(-pgid). Race-free: the reaper
     * cannot reap the child while this holds the lock, so the pid, and with it the group id, is
     * still this child's. Once the child is reaped its group may live on (a background process
     * it started); the pid may name another process by then, so the signal goes through the
     * pidfd instead, which still names the group ({@link #signalGroupAfterExit}).
     */
    public boolean signalGroup(int sig) throws ErrnoException {
        checkSignal(sig);
        reaping.readLock().lock();
        try {
            if (reaped) {
                return signalGroupAfterExit(sig);
            }
            int pgid = Libc.getpgid(pid);
            if (pgid < 0) {
                throw new ErrnoException("getpgid", -pgid, "pid " + pid);
            }
            if (pgid != pid) {
                throw new IllegalStateException("pid " + pid + " does not lead a process group (it is in group " + pgid
                        + "): only a child started in its own session or process group can be signalled as a group");
            }
            int r = Libc.kill(-pgid, sig);
            if (r == -Errno.ESRCH) {
                return false;
            }
            if (r < 0) {
                throw new ErrnoException("kill", -r, "process group " + pgid + ", signal " + Signals.name(sig));
            }
            return true;
        } finally {
            reaping.readLock().unlock();
        }
    }

    /**
     * pidfd_send_signal(PIDFD_SIGNAL_PROCESS_GROUP), Linux 6.9: the kernel signals the group
     * the pidfd's struct pid identifies, which a reused pid number can never be. False when the
     * group is empty (ESRCH: also the case of a child that led no group), when the pidfd was
     * released (the Child waited for or closed), and on older kernels (EINVAL), as before 6.9.
     */
    private boolean signalGroupAfterExit(int sig) throws ErrnoException {
        if (!groupSignalByPidfd || !pidfd.acquire()) {
            return false;
        }
        try {
            int r = Libc.pidfdSendSignal(pidfd.fd(), sig, Libc.PIDFD_SIGNAL_PROCESS_GROUP);
            if (r == -Errno.EINVAL) {
                groupSignalByPidfd = false; // the kernel lacks the flag: it never will have it
                return false;
            }
            if (r == -Errno.ESRCH) {
                return false;
            }
            if (r < 0) {
                throw new ErrnoException("pidfd_send_signal", -r, "PIDFD_SIGNAL_PROCESS_GROUP of exited pid " + pid
                        + ", signal " + Signals.name(sig));
            }
            return true;
        } finally {
            pidfd.release();
        }
    }

    // ---- the whole tree ----

    /** The cgroups the library created for the child, or null. */
    public ChildCgroup cgroup() {
        return cgroup;
    }

    /** How far {@link #signalTree} reaches: the child's cgroup, else its process group, else the child alone. */
    public KillScope treeScope() {
        return cgroup != null && cgroup.directories().size() > 0 ? KillScope.CGROUP
                : leadsGroup ? KillScope.PROCESS_GROUP : KillScope.CHILD;
    }

    /**
     * Sends sig to the child and everything it started, as far as {@link #treeScope} reaches; the
     * group and cgroup are reached after the child has exited too (its cgroup until it is removed,
     * its group while the pidfd is held).
     */
    public KillScope signalTree(int sig) throws ErrnoException {
        checkSignal(sig);
        watchNow();
        KillScope scope = treeScope();
        switch (scope) {
            case CGROUP -> cgroup.signal(sig);
            case PROCESS_GROUP -> signalGroup(sig);
            case CHILD -> {
                if (!pidfd.isClosed()) {
                    try {
                        signal(sig);
                    } catch (IllegalStateException released) {
                        // released meanwhile: the child was waited for, so it is gone
                    }
                }
            }
        }
        return scope;
    }

    /**
     * Sends sig to the tree now and, unless sig is SIGKILL, SIGKILL to the tree once grace has
     * passed (a no-op for whatever has ended by then). The SIGKILL is a timer on the reaper
     * thread, not a thread per child; for a process group the pidfd stays open until it fires,
     * so that the group of an exited child can still be reached.
     */
    public KillScope terminate(int sig, Duration grace) {
        checkSignal(sig);
        watchNow(); // a killed child is reaped at once, waited for or not
        KillScope scope;
        try {
            scope = signalTree(sig);
        } catch (ErrnoException | RuntimeException e) {
            Log.error("signalling the tree of pid " + pid + ": " + e.getMessage(), e);
            scope = treeScope();
        }
        if (sig != Signals.SIGKILL && grace != null) {
            // Only a group outlives the child's pidfd's usefulness: a cgroup needs no pidfd, and
            // an unreaped child's pidfd is kept open by the reaper's own reference.
            boolean held = scope == KillScope.PROCESS_GROUP && pidfd.acquire();
            Reaper.get().schedule(grace.toNanos(), () -> {
                try {
                    killTreeHeld(held);
                } finally {
                    if (held) {
                        pidfd.release();
                    }
                }
            });
        } else if (sig != Signals.SIGKILL) {
            killTreeQuietly();
        }
        return scope;
    }

    /** SIGKILL to the tree for library code (timeouts, limits): never throws. */
    public KillScope killTreeQuietly() {
        watchNow();
        try {
            return signalTree(Signals.SIGKILL);
        } catch (ErrnoException | RuntimeException e) {
            return treeScope();
        }
    }

    /** The grace period's end: SIGKILL to the tree, through a pidfd reference the timer holds. */
    private void killTreeHeld(boolean held) {
        try {
            switch (treeScope()) {
                case CGROUP -> cgroup.kill();
                case PROCESS_GROUP -> {
                    reaping.readLock().lock();
                    try {
                        if (!reaped) {
                            Libc.kill(-pid, Signals.SIGKILL);
                        } else if (held && groupSignalByPidfd) {
                            Libc.pidfdSendSignal(pidfd.fd(), Signals.SIGKILL, Libc.PIDFD_SIGNAL_PROCESS_GROUP);
                        }
                    } finally {
                        reaping.readLock().unlock();
                    }
                }
                case CHILD -> {
                    reaping.readLock().lock();
                    try {
                        if (!reaped) { // the reaper's reference keeps the pidfd open until then
                            Libc.pidfdSendSignal(pidfd.fd(), Signals.SIGKILL, 0);
                        }
                    } finally {
                        reaping.readLock().unlock();
                    }
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            Log.error("killing the tree of pid " + pid + " after its grace period: " + e.getMessage(), e);
        }
    }

    public PidfdInfo info() throws ErrnoException {
        if (!pidfd.acquire()) {
            throw released();
        }
        try {
            return PidfdSpawn.pidfd_info(pidfd.fd());
        } finally {
            pidfd.release();
        }
    }

    /** Drops the owner's reference to the pidfd; it is closed once the reaper is done with it too. */
    public void releaseOwner() {
        watchNow(); // nobody can wait for it any more
        pidfd.close();
    }

    private ExitStatus observe(ExitStatus s) {
        observed = true;
        return s;
    }

    private ExitStatus waited(ExitStatus s) {
        observed = true;
        pidfd.close();
        return s;
    }

    private static void checkSignal(int sig) {
        if (sig < 0 || sig > Signals.MAX) {
            throw new IllegalArgumentException("not a signal number: " + sig);
        }
    }

    private static RuntimeException rethrow(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }

    private static void closePidfd(int fd) {
        try {
            PidfdSpawn.close(fd);
        } catch (ErrnoException e) {
            Log.error("closing pidfd " + fd + ": " + e.getMessage(), e);
        }
    }
}
