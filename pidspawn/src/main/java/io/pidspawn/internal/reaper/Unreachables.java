package io.pidspawn.internal.reaper;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a release once an object is unreachable: the one mechanism behind dropped Commands and
 * dropped Children. No thread of its own: the reaper polls the reference queue once a second
 * while anything is tracked ({@link Reaper.Chore}). The release must not refer to the object,
 * or the object never becomes unreachable.
 */
final class Unreachables implements Reaper.Chore {
    private static final long TICK_NANOS = 1_000_000_000L;

    /** A tracked object's registration; {@link #cancel} when the object was released explicitly. */
    static final class Tracked extends PhantomReference<Object> {
        private final Unreachables owner;
        private final Runnable release;

        private Tracked(Object referent, Unreachables owner, Runnable release) {
            super(referent, owner.queue);
            this.owner = owner;
            this.release = release;
        }

        /** Stops tracking; true if this call did (the release will not run from the queue). */
        boolean cancel() {
            return owner.tracked.remove(this);
        }
    }

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final Set<Tracked> tracked = ConcurrentHashMap.newKeySet(); // keeps each reference alive until enqueued
    private final Reaper reaper;

    /** A set of tracked objects whose chore runs on {@code reaper}. */
    Unreachables(Reaper reaper) {
        this.reaper = reaper;
        reaper.addChore(this);
    }

    /** Runs {@code release} on the reaper thread once {@code referent} is unreachable, unless cancelled first. */
    Tracked track(Object referent, Runnable release) {
        Tracked t = new Tracked(referent, this, release);
        tracked.add(t);
        reaper.nudge();
        return t;
    }

    /** How many objects are tracked (still reachable, or not yet polled). */
    int size() {
        return tracked.size();
    }

    @Override
    public long intervalNanos() {
        return TICK_NANOS;
    }

    @Override
    public boolean busy(long now) {
        return !tracked.isEmpty();
    }

    @Override
    public void tick(long now) {
        for (Tracked t; (t = (Tracked) queue.poll()) != null; ) {
            if (tracked.remove(t)) {
                try {
                    t.release.run();
                } catch (RuntimeException e) {
                    Log.error("releasing an unreachable object failed", e);
                }
            }
        }
    }
}
