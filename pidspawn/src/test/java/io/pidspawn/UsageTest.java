package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every reaped child carries its rusage, from the raw waitid, whichever path reaped it. */
@ExtendWith(LeakGuard.class)
class UsageTest {
    @Test
    void aSpinnerReportsItsCpuAndASleeperNearNone() throws Exception {
        try (Command spin = Command.builder(Helper.path()).args("spin", "300").build()) {
            Usage u = spin.output().status().usage().orElseThrow();
            assertThat(u.userCpu()).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(u.cpu()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(u.minorFaults()).isPositive();
        }
        try (Command sleep = Command.builder(Helper.path()).args("sleep", "0.3").build()) {
            Usage u = sleep.output().status().usage().orElseThrow();
            assertThat(u.cpu()).isLessThan(Duration.ofMillis(50));
            assertThat(u.voluntaryContextSwitches()).isPositive(); // it slept
            assertThat(u.memoryPeak()).isEmpty(); // no cgroup of its own: no peak, and never ru_maxrss
        }
    }

    @Test
    void tenThousandChildrenThroughEveryReapPathAllCarryUsage() throws Exception {
        int perPath = 2500;
        try (Command t = Command.builder(Helper.path()).args("exit", "0").build()) {
            // 1. a platform thread waiting directly (the child usually ends within its 20 ms)
            for (int i = 0; i < perPath; i++) {
                try (Child c = t.spawn()) {
                    assertThat(c.waitFor().usage()).as("direct wait #%d", i).isPresent();
                }
            }
            // 2. the reaper thread, for a waiter that never waits itself: onExit
            List<CompletableFuture<ExitStatus>> exits = new ArrayList<>();
            for (int i = 0; i < perPath; i++) {
                Child c = t.spawn();
                exits.add(c.onExit());
                c.close();
            }
            for (CompletableFuture<ExitStatus> e : exits) {
                assertThat(e.get().usage()).as("reaper").isPresent();
            }
            // 3. virtual threads, which always park on the reaper's future
            try (ExecutorService v = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ExitStatus>> fs = new ArrayList<>();
                for (int i = 0; i < perPath; i++) {
                    fs.add(v.submit(() -> {
                        try (Child c = t.spawn()) {
                            return c.waitFor();
                        }
                    }));
                }
                for (Future<ExitStatus> f : fs) {
                    assertThat(f.get().usage()).as("virtual thread").isPresent();
                }
            }
            // 4. output(), which parks until the exit and both pipes
            for (int i = 0; i < perPath; i++) {
                assertThat(t.output().status().usage()).as("output #%d", i).isPresent();
            }
        }
    }
}
