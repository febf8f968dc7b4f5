package io.pidspawn.internal.reaper;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Runs a release once an object is unreachable: the one mechanism behind dropped Commands and
 * dropped Children. No thread of its own: the reaper polls the reference queue once a second
 * while anything is tracked ({@link Reaper.Chore}). The release must not refer to the object,
 * or the object never becomes unreachable.
 *
 * <p>The registrations form a doubly linked list under this object's lock, as the JDK's Cleaner
 * keeps its own: a spawn adds one and an explicit release removes it in constant time, with no
 * hashing (a set of references hashes each by identity, which costs a call into the VM the
 * first time) and no table to grow. A cancelled registration is cleared, so the collector has
 * no reference left to process for an object released by hand.
 */
final class Unreachables implements Reaper.Chore {
    private static final long TICK_NANOS = 1_000_000_000L;

    /** A tracked object's registration; {@link #cancel} when the object was released explicitly. */
    static final class Tracked extends PhantomReference<Object> {
        private final Unreachables owner;
        private final Runnable release;
        private Tracked prev, next; // guarded by owner; prev == this once unlinked

        private Tracked(Object referent, Unreachables owner, Runnable release) {
            super(referent, owner.queue);
            this.owner = owner;
            this.release = release;
        }

        boolean isTracked() {
            return owner.isTracked(this);
        }

        /** Stops tracking; true if this call did (the release will not run from the queue). */
        boolean cancel() {
            if (!owner.unlink(this)) {
                return false;
            }
            clear();
            return true;
        }
    }

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private Tracked first; // the list keeps each reference alive until it is enqueued or cancelled
    private int size;
    private final Reaper reaper;

    /** A set of tracked objects whose chore runs on {@code reaper}. */
    Unreachables(Reaper reaper) {
        this.reaper = reaper;
        reaper.addChore(this);
    }

    /** Runs {@code release} on the reaper thread once {@code referent} is unreachable, unless cancelled first. */
    Tracked track(Object referent, Runnable release) {
        Tracked t = new Tracked(referent, this, release);
        synchronized (this) {
            t.next = first;
            if (first != null) {
                first.prev = t;
            }
            first = t;
            size++;
        }
        reaper.nudge();
        return t;
    }

    /** Takes t off the list; false if it was off already (cancelled, or taken from the queue). */
    private synchronized boolean unlink(Tracked t) {
        if (t.prev == t) {
            return false;
        }
        if (t.prev == null) {
            first = t.next;
        } else {
            t.prev.next = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = t;
        t.next = null;
        size--;
        return true;
    }

    /** Whether t is still on the list: neither cancelled nor released. */
    synchronized boolean isTracked(Tracked t) {
        return t.prev != t;
    }

    /** How many objects are tracked (still reachable, or not yet polled). */
    synchronized int size() {
        return size;
    }

    @Override
    public long intervalNanos() {
        return TICK_NANOS;
    }

    @Override
    public synchronized boolean busy(long now) {
        return first != null;
    }

    @Override
    public void tick(long now) {
        for (Tracked t; (t = (Tracked) queue.poll()) != null; ) {
            if (unlink(t)) {
                try {
                    t.release.run();
                } catch (RuntimeException e) {
                    Log.error("releasing an unreachable object failed", e);
                }
            }
        }
    }
}
