package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.testkit.Helper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Timeouts and tree kills end everything a child started: a background child, a grandchild that
 * called setsid() and a daemon that forked twice, found afterwards by a marker in their argv.
 */
@ExtendWith(LeakGuard.class)
class TreeKillTest {
    private final String marker = "pidspawn-tree-" + UUID.randomUUID();

    /** A shell that starts the three kinds of descendants, each running the helper with the marker, and waits. */
    private List<String> tree() {
        String h = Helper.path();
        String sleeper = h + " sleep 300 " + marker;
        return List.of("/bin/sh", "-c", sleeper + " & setsid " + sleeper + " & ( setsid " + sleeper + " & ) ; echo started; "
                + sleeper, "sh");
    }

    private void awaitMarked(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Helper.withMarker(marker).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Helper.withMarker(marker)).as("the tree started").hasSizeGreaterThanOrEqualTo(count);
    }

    private void assertTreeGone() throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (!Helper.withMarker(marker).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Helper.withMarker(marker)).as("processes of the tree still running").isEmpty();
    }

    @AfterEach
    void cleanUp() {
        for (int pid : Helper.withMarker(marker)) {
            io.pidspawn.internal.linux.Libc.kill(pid, Signals.SIGKILL);
        }
    }

    private static boolean cgroupsAvailable() {
        try (Command c = Command.builder("true").ownCgroup().build()) {
            return true;
        } catch (ErrnoException e) {
            System.err.println("TreeKillTest: no cgroup of its own for a child here, skipping: " + e.getMessage());
            return false;
        }
    }

    @Test
    void outputTimeoutEndsTheWholeTreeThroughACgroup() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        List<String> argv = tree();
        try (Command sh = Command.builder(argv.get(0)).args(argv.subList(1, argv.size())).build()) {
            long start = System.nanoTime();
            Output o = sh.output(Capture.defaults().withTimeout(Duration.ofSeconds(2)));
            assertThat(o.timedOut()).isTrue();
            assertThat(o.killedBy()).isEqualTo(KillScope.CGROUP);
            assertThat(o.stdoutText()).isEqualTo("started\n");
            assertThat(o.status()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            assertThat(o.toString()).contains("timed out").contains("killed cgroup");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
        assertTreeGone();
        assertNoCgroupLeft();
    }

    @Test
    void withoutACgroupTheProcessGroupIsKilledAndSetsidEscapesIt() throws Exception {
        // The process group is the fallback: it reaches the background child, not what left the group.
        List<String> argv = tree();
        try (Command sh = Command.builder(argv.get(0)).args(argv.subList(1, argv.size())).build();
             Child child = sh.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
            awaitMarked(4);
            assertThat(child.killTree()).isEqualTo(KillScope.CHILD); // a spawn()ed child leads no group
            child.waitFor();
        }
        try (Command sh = Command.builder(argv.get(0)).args(argv.subList(1, argv.size())).processGroup(0).build();
             Child child = sh.spawn(SpawnOverrides.none().withStdout(Stdio.discard()))) {
            awaitMarked(4);
            assertThat(child.killTree()).isEqualTo(KillScope.PROCESS_GROUP);
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
        }
    }

    @Test
    void killTreeOfAnOwnCgroupChildEndsDaemonsEvenAfterTheChildExited() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        String h = Helper.path();
        String sleeper = h + " sleep 300 " + marker;
        try (Command sh = Command.builder("/bin/sh").args("-c", "setsid " + sleeper + " & ( setsid " + sleeper + " & ); exit 0")
                .ownCgroup().build();
             Child child = sh.spawn(SpawnOverrides.none().withStdout(Stdio.discard()))) {
            assertThat(child.ownCgroupDirectories()).isNotEmpty();
            List<Path> dirs = child.ownCgroupDirectories();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
            awaitMarked(2);
            for (Path d : dirs) {
                assertThat(d).as("kept while daemons live in it").isDirectory();
            }
            assertThat(child.killTree()).isEqualTo(KillScope.CGROUP);
            assertTreeGone();
            awaitGone(dirs);
        }
    }

    @Test
    void terminateSendsTheSignalThenKillsAfterTheGrace() throws Exception {
        try (Command trapper = Command.builder("/bin/sh").args("-c", "trap 'echo got-term; exit 3' TERM; echo ready; "
                + Helper.path() + " sleep 300 " + marker + " & wait").build()) {
            Output o = trapper.output(Capture.defaults().withTimeout(Duration.ofMillis(1500)).withKillGrace(Duration.ofSeconds(5)));
            assertThat(o.timedOut()).isTrue();
            assertThat(o.status()).as("the child ended on SIGTERM, in its own way").isEqualTo(ExitStatus.exited(3));
            assertThat(o.stdoutText()).isEqualTo("ready\ngot-term\n");
        }
        assertTreeGone();
        try (Command stubborn = Command.builder("/bin/sh").args("-c", "trap '' TERM; echo ready; "
                + Helper.path() + " sleep 300 " + marker + "; " + Helper.path() + " sleep 300 " + marker).build();
             Child child = stubborn.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()).withStderr(Stdio.discard()))) {
            child.stdout().read();
            long start = System.nanoTime();
            KillScope scope = child.terminate(Signals.SIGTERM, Duration.ofMillis(700));
            assertThat(scope).isEqualTo(KillScope.CHILD);
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(650));
        }
    }

    @Test
    void killTreeOnCloseEndsARunningChild() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("sleep", "300", marker).processGroup(0).killTreeOnClose().build()) {
            Child child = c.spawn();
            awaitMarked(1);
            child.close();
            assertTreeGone();
        }
        try (Command c = Command.builder(Helper.path()).args("sleep", "300", marker).build()) {
            Child child = c.spawn();
            awaitMarked(1);
            child.close(); // by default, the child keeps running
            Thread.sleep(200);
            assertThat(Helper.withMarker(marker)).hasSize(1);
        }
    }

    private void assertNoCgroupLeft() throws Exception {
        List<Path> left = new ArrayList<>();
        long deadline = System.nanoTime() + 3_000_000_000L;
        do {
            left = ownCgroupsLeft();
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertThat(left).as("cgroups this JVM created are removed").isEmpty();
    }

    private static void awaitGone(List<Path> dirs) throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (dirs.stream().anyMatch(Files::exists) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(dirs.stream().filter(Files::exists).toList()).as("cgroups removed").isEmpty();
    }

    /** Directories named pidspawn-OURPID-* anywhere under /sys/fs/cgroup (two levels of parents deep at most). */
    static List<Path> ownCgroupsLeft() throws IOException {
        String prefix = "pidspawn-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.walk(Path.of("/sys/fs/cgroup"), 4)) {
            return s.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith(prefix)).toList();
        }
    }
}
