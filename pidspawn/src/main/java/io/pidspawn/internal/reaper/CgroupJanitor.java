package io.pidspawn.internal.reaper;

import io.pidspawn.ErrnoException;
import io.pidspawn.uapi.ChildCgroup;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Removes the cgroup the library created for a child once the child is reaped: at once when it
 * is empty, else (a process the child left behind is still in it) on the reaper thread every
 * {@value #RETRY_MILLIS} ms until it is. No thread of its own.
 */
final class CgroupJanitor implements Reaper.Chore {
    private static final long RETRY_MILLIS = 250;
    private static final CgroupJanitor INSTANCE = new CgroupJanitor();
    private static final Reaper REAPER = Reaper.get();

    static {
        REAPER.addChore(INSTANCE);
    }

    private final Set<ChildCgroup> pending = ConcurrentHashMap.newKeySet();

    private CgroupJanitor() {}

    /** Removes c now, or as soon as it is empty. */
    static void release(ChildCgroup c) {
        if (!INSTANCE.tryRemove(c)) {
            INSTANCE.pending.add(c);
            REAPER.nudge();
        }
    }

    /** How many cgroups wait for their last process (tests). */
    static int pendingCount() {
        return INSTANCE.pending.size();
    }

    private boolean tryRemove(ChildCgroup c) {
        try {
            return c.remove();
        } catch (ErrnoException e) {
            Log.error("cannot remove " + c + ": " + e.getMessage(), e);
            return true; // not EBUSY: retrying will not help
        }
    }

    @Override
    public long intervalNanos() {
        return RETRY_MILLIS * 1_000_000L;
    }

    @Override
    public boolean busy(long nowNanos) {
        return !pending.isEmpty();
    }

    @Override
    public void tick(long nowNanos) {
        pending.removeIf(this::tryRemove);
    }
}
