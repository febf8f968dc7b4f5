package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code run --die-with-parent}: pidspawn killed by SIGKILL while its program runs a tree (a
 * background child, a setsid'ed grandchild, a double-forked daemon, each found by a marker in
 * argv) takes the whole tree with it; without the option the tree outlives it.
 */
class RunDieWithParentTest {
    private final String marker = "pidspawn-run-owner-" + UUID.randomUUID();

    @AfterEach
    void cleanUp() {
        for (int pid : Helper.withMarker(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The tree's processes: the marked ones but the CLI JVM itself, whose argv names the marker too. */
    private List<Integer> tree(Cli.Running cli) {
        return Helper.withMarker(marker).stream().filter(pid -> pid != cli.pid()).toList();
    }

    private String script() {
        String sleeper = Helper.path() + " sleep 300 " + marker;
        return sleeper + " & setsid " + sleeper + " & ( setsid " + sleeper + " & ) ; " + sleeper;
    }

    /** Starts the CLI on the tree, waits for its five processes (the shell and four sleepers), kills the CLI by SIGKILL. */
    private Cli.Running startAndKill(String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run"));
        args.addAll(List.of(options));
        args.addAll(List.of("--", "/bin/sh", "-c", script()));
        return killWhenStarted(Cli.start(args.toArray(String[]::new)));
    }

    private Cli.Running killWhenStarted(Cli.Running cli) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (tree(cli).size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(tree(cli)).as("the tree started").hasSize(5);
        cli.process().destroyForcibly().waitFor();
        return cli;
    }

    @Test
    void theTreeDiesWithPidspawnKilledBySigkill() throws Exception {
        Helper.assumeRoot("a setsid'ed grandchild is reached only through a cgroup of its own");
        assertGoneWithin1s(startAndKill("--die-with-parent"));
    }

    private void assertGoneWithin1s(Cli.Running cli) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (!tree(cli).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(tree(cli)).as("processes of the tree 1 s after pidspawn was killed").isEmpty();
    }

    @Test
    void aBatchJobWithDieWithParentDiesWithPidspawn() throws Exception {
        Helper.assumeRoot("a setsid'ed grandchild is reached only through a cgroup of its own");
        Cli.Running cli = Cli.start("batch");
        cli.stdin().write(("{\"argv\": [\"/bin/sh\", \"-c\", " + Json.write(script()) + "], \"die_with_parent\": true}\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        cli.stdin().flush();
        killWhenStarted(cli);
        assertGoneWithin1s(cli);
    }

    @Test
    void withoutTheOptionTheTreeOutlivesPidspawn() throws Exception {
        Cli.Running cli = startAndKill();
        Thread.sleep(1_000);
        assertThat(tree(cli)).as("a tree not asked to die with pidspawn").hasSize(5);
    }
}
