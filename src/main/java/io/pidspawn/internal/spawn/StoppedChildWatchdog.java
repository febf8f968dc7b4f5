package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The vfork hazard: a child stopped before it reaches exec (SIGSTOP, a debugger, a job-control
 * stop delivered as its signals are unblocked) keeps the spawning thread waiting in vfork, which
 * no signal but SIGKILL can end. This watchdog looks at spawns still in flight every 100 ms; a
 * child that stays stopped longer than the limit (system property
 * {@code pidspawn.stoppedChildMillis}, default 2000) is killed, and the spawn fails with
 * ETIMEDOUT at step {@code stopped before exec}.
 *
 * <p>Its thread exists only while spawns are in flight and exits after a second without any.
 */
final class StoppedChildWatchdog {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final Set<InFlight> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    private static volatile long limitNanos = Long.getLong("pidspawn.stoppedChildMillis", 2000L) * 1_000_000L;
    private static final Object THREAD_LOCK = new Object();
    private static volatile Thread thread;

    private StoppedChildWatchdog() {}

    /** One spawn the watchdog keeps an eye on. */
    static final class InFlight {
        private final MemorySegment request;
        private final long started = System.nanoTime();
        private long stoppedSince;
        volatile boolean killed;

        private InFlight(MemorySegment request) {
            this.request = MemorySegment.ofAddress(request.address()).reinterpret(request.byteSize());
        }
    }

    static InFlight begin(MemorySegment request) {
        InFlight f = new InFlight(request);
        IN_FLIGHT.add(f);
        ensureRunning();
        return f;
    }

    static void end(InFlight f) {
        IN_FLIGHT.remove(f);
    }

    static long limitMillis() {
        return limitNanos / 1_000_000L;
    }

    /** Tests only. */
    static void setLimitMillis(long millis) {
        limitNanos = millis * 1_000_000L;
    }

    private static void ensureRunning() {
        if (thread != null) {
            return; // the common case, without a lock on the spawn path
        }
        synchronized (THREAD_LOCK) {
            if (thread == null) {
                thread = new Thread(StoppedChildWatchdog::watch, "pidspawn-watchdog");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    private static void watch() {
        watchUntilIdle();
        // A spawn that began as this thread decided to stop saw it still running: it is watched
        // by a new thread instead.
        if (!IN_FLIGHT.isEmpty()) {
            ensureRunning();
        }
    }

    private static void watchUntilIdle() {
        long idleSince = System.nanoTime();
        while (true) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                synchronized (THREAD_LOCK) {
                    thread = null; // the next spawn starts another
                }
                return;
            }
            long now = System.nanoTime();
            if (IN_FLIGHT.isEmpty()) {
                if (now - idleSince > 1_000_000_000L) {
                    synchronized (THREAD_LOCK) {
                        if (IN_FLIGHT.isEmpty()) {
                            thread = null;
                            return;
                        }
                    }
                }
                continue;
            }
            idleSince = now;
            for (InFlight f : IN_FLIGHT) {
                check(f, now);
            }
        }
    }

    private static void check(InFlight f, long now) {
        if (now - f.started < 100_000_000L || f.killed) {
            return;
        }
        int pid = (int) INT.getVolatile(f.request, PlanAbi.RQ_PID); // stored by the kernel at clone
        if (pid <= 0 || !stopped(pid)) {
            f.stoppedSince = 0;
            return;
        }
        if (f.stoppedSince == 0) {
            f.stoppedSince = now;
        } else if (now - f.stoppedSince >= limitNanos && IN_FLIGHT.contains(f)) {
            // The pid cannot have been reused: the child is ours and unreaped while its spawn is in flight.
            int pidfd = Libc.pidfdOpen(pid, 0);
            if (pidfd >= 0) {
                f.killed = true;
                Libc.pidfdSendSignal(pidfd, 9, 0);
                Libc.close(pidfd);
            }
        }
    }

    /** State T (stopped) or t (traced) in /proc/PID/stat. */
    private static boolean stopped(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'T' || state == 't';
        } catch (IOException gone) {
            return false;
        }
    }
}
