package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.internal.reaper.LeakDetector;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A child dropped before anyone learned how it ended is reported, with where it was spawned. */
@ExtendWith(LeakGuard.class)
class LeakDetectorTest {
    private final List<LeakDetector.Report> reports = new CopyOnWriteArrayList<>();
    private final Consumer<LeakDetector.Report> listener = reports::add;

    @BeforeEach
    void listen() {
        assumeTrue(LeakDetector.ENABLED, "the leak detector is off: run with -Dpidspawn.leakDetector=true (surefire does)");
        LeakDetector.addListener(listener);
    }

    @AfterEach
    void stopListening() {
        LeakDetector.removeListener(listener);
    }

    @Test
    void unwaitedUnreachableChildIsReportedWithItsSpawnSite() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("exit", "0").build()) {
            int pid = spawnAndForget(c);
            LeakDetector.Report r = awaitReport(pid);
            assertThat(r.program()).isEqualTo(Helper.path());
            assertThat(r.spawnedAt().getStackTrace()).anySatisfy(e -> assertThat(e.getMethodName()).isEqualTo("spawnAndForget"));
            assertThat(r.message()).contains("child " + pid).contains("without being waited for");
        }
    }

    @Test
    void waitedChildIsNeverReported() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("exit", "0").build()) {
            WeakReference<Child> waited = spawnAndWait(c);
            int waitedPid = waited.get().pid();
            int forgottenPid = spawnAndForget(c);
            awaitReport(forgottenPid); // the cleaner has run for the unwaited child ...
            while (waited.get() != null) { // ... and the waited one is collected too
                System.gc();
                Thread.sleep(10);
            }
            System.gc();
            Thread.sleep(200); // its cleaner action, had it reported, would have by now
            assertThat(reports).extracting(LeakDetector.Report::pid).doesNotContain(waitedPid);
        }
    }

    private static int spawnAndForget(Command c) throws SpawnException {
        return c.spawn().pid();
    }

    private static WeakReference<Child> spawnAndWait(Command c) throws Exception {
        Child child = c.spawn();
        child.waitFor();
        return new WeakReference<>(child);
    }

    private LeakDetector.Report awaitReport(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (LeakDetector.Report r : reports) {
                if (r.pid() == pid) {
                    return r;
                }
            }
            System.gc();
            Thread.sleep(20);
        }
        throw new AssertionError("no report for unwaited child " + pid + " within 20 s; reports: " + reports);
    }
}
