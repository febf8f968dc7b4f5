package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Memory, task and CPU limits on a cgroup the library creates per child: on cgroup v2 where its
 * controllers are enabled, else on cgroup v1 (as on these hybrid hosts); removed once reaped.
 */
@ExtendWith(LeakGuard.class)
class ResourceLimitsTest {
    /** Builds the command, or skips the test saying why the limit cannot be had here. */
    private static Command buildOrSkip(Command.Builder b) throws ErrnoException {
        try {
            return b.build();
        } catch (ErrnoException e) {
            assumeTrue(e.errno() != Errno.ENOTSUP && e.errno() != Errno.EACCES, "no usable cgroup controller here: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void aProgramAllocatingPastItsMemoryLimitIsOomKilledAndSaysSo() throws Exception {
        try (Command c = buildOrSkip(Command.builder(Helper.path()).args("alloc", "512").memoryMax(64L << 20).swapMax(0))) {
            Output o = c.output();
            assertThat(o.status()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            Usage u = o.status().usage().orElseThrow();
            assertThat(u.oomKilled()).isTrue();
            assertThat(u.memoryPeakBytes()).isPositive().isLessThanOrEqualTo((64L << 20) + (4L << 20));
        }
        assertNoCgroupLeft();
    }

    @Test
    void aForkLoopCannotPassItsTaskLimit() throws Exception {
        try (Command c = buildOrSkip(Command.builder(Helper.path()).args("forks", "100").pidsMax(20))) {
            Output o = c.output();
            assertThat(o.status()).isEqualTo(ExitStatus.exited(0));
            assertThat(Integer.parseInt(o.stdoutText().trim())).as("forks besides the forker").isLessThanOrEqualTo(19).isPositive();
        }
        try (Command c = Command.builder(Helper.path()).args("forks", "40").build()) {
            assertThat(c.output().stdoutText().trim()).as("without the limit").isEqualTo("40");
        }
        assertNoCgroupLeft();
    }

    @Test
    void aSpinnerUnderAFifthOfACpuGetsAboutAFifth() throws Exception {
        try (Command c = buildOrSkip(Command.builder(Helper.path()).args("spin", "400").cpuMax(0.2))) {
            long start = System.nanoTime();
            Output o = c.output();
            double wall = (System.nanoTime() - start) / 1e9;
            double cpu = o.status().usage().orElseThrow().cpu().toNanos() / 1e9;
            assertThat(cpu / wall).as("CPU seconds per second (%.3f over %.2f s)", cpu, wall).isLessThan(0.3);
            assertThat(wall).isGreaterThan(1.2);
        }
        assertNoCgroupLeft();
    }

    @Test
    void cgroupsAreRemovedAfterAKillToo() throws Exception {
        try (Command c = buildOrSkip(Command.builder(Helper.path()).args("sleep", "300").memoryMax(256L << 20).pidsMax(50));
             Child child = c.spawn()) {
            List<Path> dirs = child.ownCgroupDirectories();
            assertThat(dirs).isNotEmpty().allSatisfy(d -> assertThat(d).isDirectory());
            for (Path d : dirs) {
                assertThat(Files.readString(d.resolve("cgroup.procs")).trim()).as("the child is in %s", d)
                        .isEqualTo(Integer.toString(child.pid()));
            }
            assertThat(child.killTree()).isEqualTo(KillScope.CGROUP);
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
        }
        assertNoCgroupLeft();
    }

    @Test
    void aLimitThatCannotBeHadFailsTheBuildNamingWhatIsMissing() {
        assertThatThrownBy(() -> Command.builder("true").cgroupParent("/pidspawn-no-such-parent").memoryMax(1 << 26).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOTSUP);
                    assertThat(e.getMessage()).contains("memory.max").contains("memory controller");
                });
        assertThatThrownBy(() -> Command.builder("true").memoryMax(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.builder("true").cpuMax(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    static void assertNoCgroupLeft() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        List<Path> left;
        do {
            left = TreeKillTest.ownCgroupsLeft();
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertThat(left).as("cgroups this JVM created").isEmpty();
    }
}
