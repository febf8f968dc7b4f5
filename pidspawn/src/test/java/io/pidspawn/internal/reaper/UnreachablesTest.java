package io.pidspawn.internal.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The registrations behind dropped Commands and Children: a cancelled one is off the list at
 * once, wherever it sat in it, and its release never runs, even after its object is collected;
 * an uncancelled one is released once its object is unreachable, exactly once.
 */
class UnreachablesTest {
    @Test
    void cancelledRegistrationsLeaveAtOnceAndNeverRelease() throws Exception {
        Unreachables u = new Unreachables(Reaper.get());
        AtomicInteger released = new AtomicInteger();
        List<Object> objects = new ArrayList<>();
        List<Unreachables.Tracked> tracked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Object o = new Object();
            objects.add(o);
            tracked.add(u.track(o, released::incrementAndGet));
        }
        assertThat(u.size()).isEqualTo(5);
        // the middle, the newest (the list's head) and the oldest (its tail)
        for (int i : new int[] {2, 4, 0}) {
            assertThat(tracked.get(i).cancel()).as("first cancel of %d", i).isTrue();
            assertThat(tracked.get(i).cancel()).as("second cancel of %d", i).isFalse();
            assertThat(tracked.get(i).isTracked()).isFalse();
        }
        assertThat(u.size()).isEqualTo(2);
        assertThat(tracked.get(1).isTracked()).isTrue();
        assertThat(tracked.get(3).isTracked()).isTrue();

        objects.clear(); // all five unreachable now: only 1 and 3 still have a release to run
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (u.size() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        Thread.sleep(1_200); // one more reaper tick: a cancelled registration must not show up late
        assertThat(u.size()).isZero();
        assertThat(released).as("releases run").hasValue(2);
        assertThat(tracked.get(1).cancel()).as("cancel after the release ran").isFalse();
    }
}
