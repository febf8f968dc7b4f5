package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.reaper.Reaper;
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
 * <p>It is a {@link Reaper.Chore} on the reaper thread, ticking only while spawns are in flight
 * and for a second after the last one began.
 */
final class StoppedChildWatchdog implements Reaper.Chore {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long TICK_NANOS = 100_000_000L;
    private static final long LINGER_NANOS = 1_000_000_000L;
    private static final Set<InFlight> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    private static volatile long limitNanos = Long.getLong("pidspawn.stoppedChildMillis", 2000L) * 1_000_000L;
    /**
     * Counts spawns begun, so that a spawn reads no clock: written on every spawn (a lost
     * increment between two threads still changes it), read by the reaper, which notes when it
     * last saw it change to decide whether to keep ticking.
     */
    private static volatile int begun;
    private static int seenBegun; // the reaper's
    private static long seenBegunAt = System.nanoTime() - LINGER_NANOS; // the reaper's

    private static final class Holder {
        static final Reaper REAPER = Reaper.get();

        static {
            REAPER.addChore(new StoppedChildWatchdog());
        }
    }

    private StoppedChildWatchdog() {}

    /** One spawn the watchdog keeps an eye on. */
    static final class InFlight {
        private final MemorySegment request;
        private final int hash;
        private long firstSeen; // the reaper's: the tick that first saw this spawn in flight
        private long stoppedSince;
        volatile boolean killed;

        private InFlight(MemorySegment request, int hash) {
            this.request = MemorySegment.ofAddress(request.address()).reinterpret(request.byteSize());
            this.hash = hash;
        }

        /** Equality stays identity; Object's identity hash would cost a call into the VM per spawn. */
        @Override
        public int hashCode() {
            return hash;
        }
    }

    static InFlight begin(MemorySegment request) {
        int n = begun + 1;
        begun = n;
        InFlight f = new InFlight(request, n);
        IN_FLIGHT.add(f);
        Holder.REAPER.nudge();
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

    @Override
    public long intervalNanos() {
        return TICK_NANOS;
    }

    @Override
    public boolean busy(long now) {
        int b = begun;
        if (b != seenBegun) {
            seenBegun = b;
            seenBegunAt = now;
        }
        return now - seenBegunAt < LINGER_NANOS || !IN_FLIGHT.isEmpty();
    }

    @Override
    public void tick(long now) {
        for (InFlight f : IN_FLIGHT) {
            check(f, now);
        }
    }

    private static void check(InFlight f, long now) {
        if (f.firstSeen == 0) {
            f.firstSeen = now;
        }
        if (now - f.firstSeen < 100_000_000L || f.killed) {
            return; // a spawn is looked at from the tick after the one that first saw it
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
