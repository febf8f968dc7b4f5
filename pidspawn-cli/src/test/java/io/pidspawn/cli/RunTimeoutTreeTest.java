package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code run --timeout} ends what the program started, as timeout(1) does: the program leads a
 * process group of its own and the timeout's signals go to the whole group; where pidspawn can
 * create a cgroup for it (as root here), to the cgroup, which daemons cannot leave by setsid.
 */
class RunTimeoutTreeTest {
    private final String marker = "pidspawn-run-tree-" + UUID.randomUUID();

    @AfterEach
    void cleanUp() {
        for (int pid : Helper.withMarker(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private void awaitNoneMarked() throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Helper.withMarker(marker).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Helper.withMarker(marker)).as("processes of the tree left running").isEmpty();
    }

    @Test
    void aTimeoutEndsTheBackgroundChildrenToo() throws Exception {
        String sleeper = Helper.path() + " sleep 300 " + marker;
        Cli.Result r = Cli.run("run", "--timeout", "1s", "--", "/bin/sh", "-c",
                sleeper + " & " + sleeper + " & ( " + sleeper + " & ) ; " + sleeper);
        assertThat(r.exit()).as(r.err()).isEqualTo(124);
        awaitNoneMarked();
    }

    @Test
    void aStubbornTreeEndsOnTheKillAfterTheGrace() throws Exception {
        String sleeper = Helper.path() + " sleep 300 " + marker;
        Cli.Result r = Cli.run("run", "--timeout", "1s", "--kill-after", "500ms", "--", "/bin/sh", "-c",
                "trap '' TERM; " + sleeper + " & " + sleeper);
        assertThat(r.exit()).as(r.err()).isEqualTo(137);
        awaitNoneMarked();
    }

    /** A background child, a grandchild that called setsid and a daemon that forked twice, then the shell waits. */
    private String tree(String sleeper) {
        return sleeper + " & setsid " + sleeper + " & ( setsid " + sleeper + " & ) ; " + sleeper;
    }

    private void awaitMarked(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Helper.withMarker(marker).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Helper.withMarker(marker)).as("the tree started").hasSizeGreaterThanOrEqualTo(count);
    }

    @Test
    void aTimeoutEndsSetsidGrandchildrenAndDaemonsThroughTheProgramsCgroup() throws Exception {
        Helper.assumeRoot("creating the program's own cgroup, which setsid cannot leave");
        String sleeper = Helper.path() + " sleep 300 " + marker;
        try (Cli.Running cli = Cli.start("run", "--timeout", "3s", "--json", "--", "/bin/sh", "-c", tree(sleeper))) {
            awaitMarked(4); // all started before the timeout: none can have escaped it by being late
            Cli.Result r = cli.await();
            assertThat(r.exit()).as(r.err()).isEqualTo(124);
            assertThat(r.err()).contains("\"timed_out\": true").contains("\"kill_scope\": \"cgroup\"");
        }
        awaitNoneMarked();
    }

    @Test
    void withoutACgroupTheTimeoutReachesTheGroupOnlyAndSaysSo() throws Exception {
        // --cgroup names where the program starts: no cgroup of its own, so the process group is the means.
        // The survivor must not hold the CLI's stdout, which the test reads to its end.
        String sleeper = Helper.path() + " sleep 300 " + marker + " >/dev/null 2>&1";
        String own = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/cgroup")).stream()
                .filter(l -> l.startsWith("0::")).findFirst().map(l -> l.substring(3)).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(own != null && Helper.ROOT, "needs root and a cgroup v2 hierarchy to name");
        Cli.Result r = Cli.run("run", "--timeout", "1s", "--cgroup", own, "--json", "--", "/bin/sh", "-c",
                "setsid " + sleeper + " & " + sleeper + " & " + sleeper);
        assertThat(r.exit()).as(r.err()).isEqualTo(124);
        assertThat(r.err()).contains("\"kill_scope\": \"process-group\"");
        Thread.sleep(300);
        assertThat(Helper.withMarker(marker)).as("the setsid one left the group, and survives").hasSize(1);
    }

    @Test
    void killGraceKillsWhatIgnoresTheSignalEvenAfterTheProgramEnded() throws Exception {
        // The stubborn ones must not hold the CLI's stdout, which the test reads to its end.
        String stubborn = "sh -c \"trap '' TERM; exec " + Helper.path() + " sleep 300 " + marker + "\" >/dev/null 2>&1";
        // A setsid one too where the program gets a cgroup (root): out of the group, only the cgroup reaches it.
        String script = "trap 'exit 3' TERM; " + stubborn + " & " + (Helper.ROOT ? "setsid " + stubborn + " & " : "")
                + Helper.path() + " sleep 300 " + marker + " & wait";
        // --kill-after, as timeout(1): the program ended on SIGTERM, so nothing is killed; the stubborn ones live on.
        Cli.Result after = Cli.run("run", "--timeout", "1s", "--kill-after", "300ms", "--json", "--", "/bin/sh", "-c", script);
        assertThat(after.exit()).as(after.err()).isEqualTo(124);
        Thread.sleep(500);
        assertThat(Helper.withMarker(marker)).as("the stubborn ones outlive --kill-after").hasSizeGreaterThanOrEqualTo(1);
        cleanUp();
        // --kill-grace: SIGKILL for what is left at the grace's end, and pidspawn returns after that.
        Cli.Result grace = Cli.run("run", "--timeout", "1s", "--kill-grace", "500ms", "--json", "--", "/bin/sh", "-c", script);
        assertThat(grace.exit()).as("the program itself ended on SIGTERM: " + grace.err()).isEqualTo(124);
        assertThat(grace.err()).contains("\"exit\": 3");
        assertThat(Helper.withMarker(marker)).as("killed before pidspawn exited").isEmpty();
    }

    @Test
    void killGraceNeedsATimeoutAndExcludesKillAfter() throws Exception {
        Cli.Result alone = Cli.run("run", "--kill-grace", "1s", "--", "true");
        assertThat(alone.exit()).isEqualTo(125);
        assertThat(alone.err()).contains("--kill-grace 1s: needs --timeout");
        Cli.Result both = Cli.run("run", "--timeout", "1s", "--kill-grace", "1s", "--kill-after", "2s", "--", "true");
        assertThat(both.exit()).isEqualTo(125);
        assertThat(both.err()).contains("--kill-after 2s").contains("exclude each other");
        Cli.Result bad = Cli.run("run", "--timeout", "1s", "--kill-grace", "soon", "--", "true");
        assertThat(bad.exit()).isEqualTo(125);
        assertThat(bad.err()).contains("--kill-grace: \"soon\" is not a duration");
    }

    @Test
    void withoutATimeoutTheProgramStaysInPidspawnsGroup() throws Exception {
        Cli.Result r = Cli.run("run", "--", "/bin/sh", "-c", "ps -o pgid= -p $$; ps -o pgid= -p $PPID");
        String[] groups = r.out().strip().split("\\s+");
        assertThat(groups).hasSize(2);
        assertThat(groups[0]).isEqualTo(groups[1]);
        Cli.Result t = Cli.run("run", "--timeout", "10s", "--", "/bin/sh", "-c", "ps -o pgid= -p $$; echo $$");
        String[] own = t.out().strip().split("\\s+");
        assertThat(own[0]).as("with --timeout it leads its own group").isEqualTo(own[1]);
    }
}
