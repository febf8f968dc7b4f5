package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch job's tree, limits, grace and sandbox: a timeout ends every process the job started
 * (a setsid'ed grandchild and a double-forked daemon included), kill_grace sends SIGTERM first,
 * the limits and the sandbox fields hold per job, the results carry the usage, and a bad field
 * fails its own job only, naming the field.
 */
class BatchLimitsTest {
    private static final String H = Helper.path();
    private final String marker = "pidspawn-batch-tree-" + UUID.randomUUID();

    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() {
        for (int pid : Helper.withMarker(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static String job(List<String> argv, Object... more) {
        return BatchCommandTest.json(argv, more);
    }

    /** The result lines of a batch, by index, and the summary last. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(Cli.Result r) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).as(r.err()).isNotEmpty();
        for (String l : lines.subList(0, lines.size() - 1)) {
            out.add((Map<String, Object>) Json.parse(l));
        }
        out.sort(java.util.Comparator.comparingLong(m -> (Long) m.get("index")));
        return out;
    }

    private void awaitNoneMarked() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Helper.withMarker(marker).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Helper.withMarker(marker)).as("processes of the job's tree left running").isEmpty();
    }

    private static void assumeCgroups() {
        Helper.assumeRoot("creating a cgroup of the job's own");
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup")), "needs a cgroup hierarchy");
    }

    @Test
    void aTimeoutEndsTheWholeTreeOfAJobSetsidAndDaemonsIncluded() throws Exception {
        assumeCgroups();
        String sleeper = H + " sleep 300 " + marker + " >/dev/null 2>&1";
        // A background child, a setsid'ed grandchild, a double-forked daemon, all started before the
        // marker file is written; then the shell waits for the timeout.
        Path started = tmp.resolve("started");
        String tree = sleeper + " & setsid " + sleeper + " & ( setsid " + sleeper + " & ) ; : > " + started + "; " + H
                + " sleep 300 " + marker;
        Cli.Result r = Cli.runWithInput(job(List.of("/bin/sh", "-c", tree), "timeout", "3s") + "\n", "batch");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(started).as("the tree was complete before the timeout").exists();
        Map<String, Object> result = results(r).getFirst();
        assertThat(result).containsEntry("timed_out", true).containsEntry("signal", "SIGKILL")
                .containsEntry("kill_scope", "cgroup");
        awaitNoneMarked();
    }

    @Test
    void killGraceSendsSigtermFirstAndSigkillToWhatIgnoresIt() throws Exception {
        assumeCgroups();
        String stubborn = "sh -c \"trap '' TERM; exec " + H + " sleep 300 " + marker + "\" >/dev/null 2>&1";
        String polite = "trap 'echo got-term; exit 3' TERM; echo ready; " + H + " sleep 300 " + marker + " & wait";
        String ignoring = "trap '' TERM; setsid " + stubborn + " & echo ready; " + H + " sleep 300 " + marker + "; "
                + H + " sleep 300 " + marker;
        String input = job(List.of("/bin/sh", "-c", polite), "timeout", "1s", "kill_grace", "5s") + "\n"
                + job(List.of("/bin/sh", "-c", ignoring), "timeout", "1s", "kill_grace", "500ms") + "\n";
        Cli.Result r = Cli.runWithInput(input, "batch", "-j", "2");
        List<Map<String, Object>> results = results(r);
        assertThat(results.get(0)).as("ended on SIGTERM, its own way").containsEntry("exit", 3L)
                .containsEntry("timed_out", true).containsEntry("stdout", "ready\ngot-term\n").containsEntry("kill_scope", "cgroup");
        assertThat(results.get(1)).as("SIGKILL after the grace").containsEntry("signal", "SIGKILL")
                .containsEntry("timed_out", true).containsEntry("stdout", "ready\n");
        assertThat(((Number) results.get(1).get("duration_ms")).doubleValue()).isGreaterThanOrEqualTo(1500);
        awaitNoneMarked();
    }

    @Test
    void limitsHoldPerJobAndTheUsageIsReported() throws Exception {
        assumeCgroups();
        String show = "cat /sys/fs/cgroup/pids$(grep :pids: /proc/self/cgroup | cut -d: -f3)/pids.max";
        String input = job(List.of(H, "alloc", "512"), "memory_max", "64M") + "\n"
                + job(List.of("/bin/sh", "-c", show), "pids_max", 20, "cpu_max", 0.5, "memory_max", 256 << 20) + "\n"
                + job(List.of(H, "spin", "300")) + "\n";
        Cli.Result r = Cli.runWithInput(input, "batch", "-j", "1");
        List<Map<String, Object>> results = results(r);
        assertThat(results.get(0)).as("the hog").containsEntry("signal", "SIGKILL").containsEntry("oom_killed", true)
                .containsKey("memory_peak_bytes");
        assertThat(((Number) results.get(0).get("memory_peak_bytes")).longValue()).isLessThanOrEqualTo(64L << 20);
        assertThat(results.get(1)).as("its own pids.max").containsEntry("exit", 0L).containsEntry("stdout", "20\n")
                .containsEntry("oom_killed", false);
        assertThat(((Number) results.get(2).get("cpu_user_ms")).doubleValue()).as("a 300 ms spinner").isGreaterThanOrEqualTo(250);
        assertThat(results.get(2)).as("no limit: no cgroup, no peak").doesNotContainKey("memory_peak_bytes");
    }

    @Test
    void theBatchsOwnLimitsAreEveryJobsDefault() throws Exception {
        assumeCgroups();
        String show = "cat /sys/fs/cgroup/pids$(grep :pids: /proc/self/cgroup | cut -d: -f3)/pids.max";
        String input = job(List.of("/bin/sh", "-c", show)) + "\n" + job(List.of("/bin/sh", "-c", show), "pids_max", 7) + "\n";
        Cli.Result r = Cli.runWithInput(input, "batch", "-j", "1", "--pids-max", "30");
        List<Map<String, Object>> results = results(r);
        assertThat(results.get(0)).containsEntry("stdout", "30\n");
        assertThat(results.get(1)).as("the job's own replaces it").containsEntry("stdout", "7\n");
    }

    @Test
    void aBadFieldFailsItsJobOnlyAndNamesTheField() throws Exception {
        String[][] bad = {
            {"memory_max", "\"lots\"", "\"memory_max\": \"lots\" is not a size"},
            {"memory_max", "0", "\"memory_max\": 0 is not a size"},
            {"pids_max", "0", "\"pids_max\": 0 is not a number of tasks"},
            {"pids_max", "\"many\"", "\"pids_max\": \"many\""},
            {"cpu_max", "-1", "\"cpu_max\": -1 is not a number of CPUs"},
            {"kill_grace", "\"soon\"", "\"kill_grace\": \"soon\" is not a duration"},
            {"ro", "[\"relative/dir\"]", "\"ro\": \"relative/dir\" is not an absolute path"},
            {"rw", "[\"/no/such/dir-" + marker + "\"]", "\"rw\": \"/no/such/dir-" + marker + "\""},
            {"exec", "7", "\"exec\" must be a string or an array of strings"},
            {"net", "\"everywhere\"", "\"net\" everywhere: expected none or connect="},
            {"scope", "[\"moon\"]", "\"scope\" moon: \"moon\" is not signal or abstract-unix"},
            {"deny_syscall", "[\"no_such_call\"]", "\"deny_syscall\": \"no_such_call\": unknown syscall"},
            {"sandbox_best_effort", "\"yes\"", "\"sandbox_best_effort\" must be true or false"},
        };
        StringBuilder input = new StringBuilder();
        for (String[] b : bad) {
            input.append("{\"argv\": [\"true\"], \"").append(b[0]).append("\": ").append(b[1]).append("}\n");
        }
        input.append(job(List.of(H, "out", "still-runs"))).append('\n');
        Cli.Result r = Cli.runWithInput(input.toString(), "batch", "-j", "2");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        List<Map<String, Object>> results = results(r);
        assertThat(results).hasSize(bad.length + 1);
        for (int i = 0; i < bad.length; i++) {
            assertThat((String) results.get(i).get("error")).as(bad[i][0]).contains(bad[i][2]);
            assertThat(results.get(i)).containsEntry("exit", null);
        }
        assertThat(results.getLast()).containsEntry("exit", 0L).containsEntry("stdout", "still-runs\n");

        for (String[] option : new String[][] {{"--memory-max", "lots"}, {"--pids-max", "-3"}, {"--cpu-max", "none"},
            {"--kill-grace", "soon"}, {"--net", "everywhere"}}) {
            Cli.Result o = Cli.runWithInput("", "batch", option[0], option[1]);
            assertThat(o.exit()).as(option[0]).isEqualTo(125);
            assertThat(o.err()).as(option[0]).contains(option[0]);
        }
    }

    @Test
    void sandboxFieldsConfineTheirJobAndTheBatchsOptionsAreDefaults() throws Exception {
        assumeTrue(io.pidspawn.internal.spawn.Landlock.kernelAbi() >= 1, "needs Landlock");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        String write = "echo x > " + work + "/in && echo x > " + outside + "/out";
        String input = job(List.of("/bin/sh", "-c", write), "ro", List.of("/"), "rw", List.of(work.toString(), "/dev/null"))
                + "\n" + job(List.of("/bin/sh", "-c", "echo y > " + outside + "/control"), "ro", null, "rw", null) + "\n"
                + job(List.of("/bin/cat", "/etc/hostname"), "exec", List.of("/etc")) + "\n"
                + job(List.of("/bin/cat", "/etc/hostname"), "exec", List.of(Path.of("/bin/cat").toRealPath().getParent().getParent().toString())) + "\n"
                + job(List.of("/bin/sh", "-c", "echo z > " + outside + "/default")) + "\n";
        // The batch's --ro / and --rw /dev/null apply to every job that sets no "ro" or "rw" of its own; null removes them.
        Cli.Result r = Cli.runWithInput(input, "batch", "-j", "1", "--ro", "/", "--rw", "/dev/null");
        List<Map<String, Object>> results = results(r);
        assertThat(results.get(0)).as("the write outside fails").containsEntry("exit", 2L);
        assertThat(work.resolve("in")).exists();
        assertThat(outside.resolve("out")).doesNotExist();
        assertThat(results.get(1)).as("the control: no sandbox").containsEntry("exit", 0L);
        assertThat(outside.resolve("control")).exists();
        assertThat((String) results.get(2).get("error")).as("cat is not under /etc").contains("EACCES");
        assertThat(results.get(3)).as("cat is under /usr or /bin").containsEntry("exit", 0L);
        assertThat(results.get(4).get("exit")).as("the batch's --ro / is read-only").isEqualTo(2L);
        assertThat(outside.resolve("default")).doesNotExist();
    }
}
