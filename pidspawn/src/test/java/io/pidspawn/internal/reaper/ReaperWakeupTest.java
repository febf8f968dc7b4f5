package io.pidspawn.internal.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.LeakGuard;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Work queued for the reaper runs without any other event to wake it: a lost eventfd wake-up
 * once left queued drains unstarted until an unrelated child exited (a 60 s stall).
 */
@ExtendWith(LeakGuard.class)
class ReaperWakeupTest {
    @Test
    void everyQueuedTaskRunsPromptly() throws Exception {
        Reaper reaper = Reaper.get();
        for (int round = 0; round < 500; round++) {
            int producers = 3;
            CountDownLatch ran = new CountDownLatch(producers * 5);
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                threads[p] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 5; i++) {
                        reaper.execute(ran::countDown);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(ran.await(5, TimeUnit.SECONDS)).as("round %d: tasks left waiting for a wake-up", round).isTrue();
        }
    }
}
