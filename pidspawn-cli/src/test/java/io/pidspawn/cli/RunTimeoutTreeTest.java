package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code run --timeout} ends what the program started, as timeout(1) does: the program leads a
 * process group of its own and the timeout's signals go to the whole group.
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
