package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Command;
import io.pidspawn.testkit.Helper;
import io.pidspawn.Signals;
import io.pidspawn.internal.linux.Libc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pidspawn batch}: every job reported exactly, whatever its fate; the same results at any
 * concurrency; output files; and a signal that leaves no job behind.
 */
class BatchCommandTest {
    private static final String H = Helper.path();

    @TempDir
    Path tmp;

    /** A job line and the result it must give; {@code error} is a part of the message, or null. */
    record Job(String line, List<String> argv, Integer exit, String signal, boolean timedOut, String stdout, String stderr,
               String error) {}

    /**
     * {@code n} jobs cycling through ten fates: output, exit codes, timeouts, malformed lines,
     * missing programs, stdin, env, cwd, death by a signal, argv[0]. Blank lines are sprinkled in;
     * the input's line numbers are kept for the malformed lines' messages.
     */
    private List<Job> jobs(int n, Path cwd) throws IOException {
        List<Job> jobs = new ArrayList<>();
        String helperDir = Path.of(H).getParent().toString();
        String helperName = "./" + Path.of(H).getFileName();
        String[] malformed = {"not json", "{\"argv\": []}", "{\"argv\": \"x\"}", "{\"cmd\": [\"true\"]}", "[1, 2]",
                "{\"argv\": [\"true\"], \"timeout\": \"soon\"}", "{\"argv\": [\"true\"], \"env\": {\"A\": 1}}",
                "{\"argv\": [\"true\"]", "{\"argv\": [\"true\", 7]}"};
        int line = 0;
        for (int i = 0; i < n; i++) {
            if (i % 7 == 3) {
                jobs.add(new Job(i % 2 == 0 ? "" : "   ", null, null, null, false, null, null, null)); // a blank line
                line++;
            }
            line++;
            List<String> argv;
            Job job = switch (i % 10) {
                case 0 -> new Job(json(argv = List.of(H, "out", "job-" + i)), argv, 0, null, false, "job-" + i + "\n", "", null);
                case 1 -> {
                    int code = 1 + i % 120;
                    argv = List.of(H, "err", "e-" + i, ";", "exit", Integer.toString(code));
                    yield new Job(json(argv), argv, code, null, false, "", "e-" + i + "\n", null);
                }
                case 2 -> {
                    argv = List.of(H, "write", "1", "t-" + i, ";", "sleep", "30");
                    // Long enough for the helper to have written, even on a loaded machine.
                    yield new Job(json(argv, "timeout", "1s"), argv, null, "SIGKILL", true, "t-" + i + "\n", "", null);
                }
                case 3 -> new Job(malformed[i / 10 % malformed.length], null, null, null, false, null, null, "line " + line + ": ");
                case 4 -> {
                    argv = List.of(i % 20 == 4 ? "/no/such/dir/prog-" + i : "no-such-program-" + i);
                    yield new Job(json(argv), argv, null, null, false, null, null, "ENOENT");
                }
                case 5 -> new Job(json(argv = List.of(H, "cat"), "stdin", "in-" + i + " \u00e9\n"), argv, 0, null, false,
                        "in-" + i + " \u00e9\n", "", null);
                case 6 -> new Job(json(argv = List.of(H, "getenv", "BATCH_VAR"), "env", Map.of("BATCH_VAR", "v-" + i)), argv,
                        0, null, false, "v-" + i + "\n", "", null);
                case 7 -> new Job(json(argv = List.of(H, "cwd"), "cwd", cwd.toString()), argv, 0, null, false,
                        cwd.toRealPath() + "\n", "", null);
                case 8 -> new Job(json(argv = List.of(H, "kill-self", "15")), argv, null, "SIGTERM", false, "", "", null);
                default -> new Job(json(argv = List.of(helperName, "argv"), "cwd", helperDir), argv, 0, null, false,
                        helperName + "\nargv\n", "", null);
            };
            jobs.add(job);
        }
        return jobs;
    }

    /** A job line: argv, then field names and values. */
    static String json(List<String> argv, Object... more) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("argv", argv);
        for (int i = 0; i < more.length; i += 2) {
            m.put((String) more[i], more[i + 1]);
        }
        return Json.write(m);
    }

    private static String input(List<Job> jobs) {
        StringBuilder s = new StringBuilder();
        jobs.forEach(j -> s.append(j.line()).append('\n'));
        return s.toString();
    }

    /** What a batch printed: the result lines by index (each index once) and the summary. */
    record Printed(Map<Integer, Map<String, Object>> results, Map<String, Object> summary) {}

    @SuppressWarnings("unchecked")
    private static Printed printed(Cli.Result r) {
        List<String> lines = r.out().lines().toList();
        assertThat(lines).as("stdout, stderr: %s", r.err()).isNotEmpty();
        Map<Integer, Map<String, Object>> results = new TreeMap<>();
        for (String l : lines.subList(0, lines.size() - 1)) {
            Map<String, Object> m = (Map<String, Object>) Json.parse(l);
            assertThat(m).containsKeys("index", "argv", "exit", "signal", "timed_out", "duration_ms", "cpu_user_ms", "cpu_sys_ms",
                    "oom_killed", "kill_scope", "stdout", "stderr", "error");
            m.remove("memory_peak_bytes"); // only with a cgroup, as a timeout gives a job where the library can make one
            assertThat(m).hasSize(13);
            assertThat(results.put(((Long) m.get("index")).intValue(), m)).as("a second line for %s", l).isNull();
        }
        Map<String, Object> last = (Map<String, Object>) Json.parse(lines.getLast());
        assertThat(last).containsOnlyKeys("summary");
        return new Printed(results, (Map<String, Object>) last.get("summary"));
    }

    private static void check(Map<String, Object> r, Job j) {
        String what = "result " + r + " for " + j.line();
        assertThat(r.get("argv")).as(what).isEqualTo(j.argv());
        assertThat(r.get("exit")).as(what).isEqualTo(j.exit() == null ? null : (long) j.exit());
        assertThat(r.get("signal")).as(what).isEqualTo(j.signal());
        assertThat(r.get("timed_out")).as(what).isEqualTo(j.timedOut());
        assertThat(r.get("stdout")).as(what).isEqualTo(j.stdout());
        assertThat(r.get("stderr")).as(what).isEqualTo(j.stderr());
        assertThat(((Number) r.get("duration_ms")).doubleValue()).as(what).isGreaterThanOrEqualTo(j.timedOut() ? 1000 : 0);
        if (j.error() == null) {
            assertThat(r.get("error")).as(what).isNull();
        } else {
            assertThat((String) r.get("error")).as(what).contains(j.error());
        }
    }

    @Test
    void fiveHundredMixedJobsEachReportedExactly() throws Exception {
        List<Job> all = jobs(500, tmp);
        Cli.Result r = Cli.runWithInput(input(all), "batch", "-j", "16", "--timeout", "30s");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).as("no progress line when stderr is no terminal").isEmpty();
        Printed p = printed(r);
        List<Job> jobs = all.stream().filter(j -> !j.line().isBlank()).toList();
        assertThat(p.results().keySet()).hasSize(500).first().isEqualTo(0);
        for (int i = 0; i < jobs.size(); i++) {
            check(p.results().get(i), jobs.get(i));
        }
        assertThat(p.summary()).containsEntry("total", 500L).containsEntry("ok", 250L).containsEntry("failed", 100L)
                .containsEntry("timed_out", 50L).containsEntry("errors", 100L).containsKey("duration_ms");
    }

    @Test
    void oneJobAtATimeAndEightGiveTheSameResults() throws Exception {
        List<Job> all = jobs(40, tmp); // four timeouts: 4 s at -j 1
        Map<Integer, Map<String, Object>> one = withoutDurations(printed(Cli.runWithInput(input(all), "batch", "-j", "1")));
        Map<Integer, Map<String, Object>> eight = withoutDurations(printed(Cli.runWithInput(input(all), "batch", "-j", "8")));
        assertThat(one).hasSize(40).isEqualTo(eight);
    }

    private static Map<Integer, Map<String, Object>> withoutDurations(Printed p) {
        Map<Integer, Map<String, Object>> out = new HashMap<>();
        p.results().forEach((i, r) -> {
            Map<String, Object> copy = new HashMap<>(r);
            copy.remove("duration_ms");
            copy.remove("cpu_user_ms");
            copy.remove("cpu_sys_ms");
            out.put(i, copy);
        });
        return out;
    }

    @Test
    void outputDirGetsEachJobsStdoutAndStderr() throws Exception {
        Path dir = tmp.resolve("logs/batch"); // made by pidspawn
        String in = json(List.of(H, "out", "o-0", ";", "err", "e-0")) + "\n" + json(List.of("/no/such/program")) + "\n"
                + json(List.of(H, "fill", "200000", "65", ";", "exit", "3")) + "\n";
        Cli.Result r = Cli.runWithInput(in, "batch", "--output", dir.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        Printed p = printed(r);
        assertThat(p.results().get(0)).containsEntry("exit", 0L).containsEntry("stdout", dir.resolve("0.stdout").toString())
                .containsEntry("stderr", dir.resolve("0.stderr").toString());
        assertThat(Files.readString(dir.resolve("0.stdout"))).isEqualTo("o-0\n");
        assertThat(Files.readString(dir.resolve("0.stderr"))).isEqualTo("e-0\n");
        assertThat(p.results().get(1)).containsEntry("stdout", null).containsEntry("stderr", null);
        assertThat((String) p.results().get(1).get("error")).contains("ENOENT");
        assertThat(p.results().get(2)).containsEntry("exit", 3L);
        assertThat(Files.readString(dir.resolve("2.stdout"))).isEqualTo("A".repeat(200000));
        assertThat(Files.readString(dir.resolve("2.stderr"))).isEmpty();
        assertThat(p.summary()).containsEntry("total", 3L).containsEntry("ok", 1L).containsEntry("failed", 1L)
                .containsEntry("errors", 1L);
    }

    @Test
    void sigintKillsTheRunningJobsWithTheirGroupsAndStillReportsThem() throws Exception {
        String marker = "batch-sigint-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        String sleep = H + " sleep 60 " + marker;
        try (Cli.Running cli = Cli.start("batch", "-j", "5")) {
            // Three sleepers; one with a background process in its group; one that has exited
            // already but left a background process in its group, holding its stdout. Stdin
            // stays open, so the launcher is blocked reading when the signal comes.
            List<List<String>> jobs = List.of(List.of(H, "sleep", "60", marker), List.of(H, "sleep", "60", marker),
                    List.of(H, "sleep", "60", marker), List.of("/bin/sh", "-c", sleep + " & exec " + sleep),
                    List.of("/bin/sh", "-c", sleep + " & echo started"));
            for (List<String> argv : jobs) {
                cli.stdin().write((json(argv) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            cli.stdin().flush();
            awaitMarked(marker, 6);
            assertThat(Libc.kill((int) cli.pid(), Signals.SIGINT)).isZero();
            Cli.Result r = cli.await(Duration.ofSeconds(15)); // the jobs sleep for 60 s: they were killed
            assertThat(r.exit()).as(r.err()).isEqualTo(130);
            Printed p = printed(r);
            assertThat(p.results()).hasSize(5);
            for (int i = 0; i < 4; i++) {
                assertThat(p.results().get(i)).containsEntry("exit", null).containsEntry("signal", "SIGKILL")
                        .containsEntry("timed_out", false).containsEntry("error", null);
            }
            assertThat(p.results().get(4)).containsEntry("exit", 0L).containsEntry("stdout", "started\n");
            assertThat(p.summary()).containsEntry("total", 5L).containsEntry("failed", 4L).containsEntry("ok", 1L)
                    .containsEntry("interrupted", true);
            awaitMarked(marker, 0); // the CLI has exited, so nobody else would kill them
        }
    }

    @Test
    void aReaderThatGoesAwayStopsTheBatchAsSigpipeWould() throws Exception {
        String marker = "batch-epipe-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path file = tmp.resolve("jobs.jsonl");
        StringBuilder s = new StringBuilder(json(List.of(H, "exit", "0"))).append('\n');
        for (int i = 0; i < 20; i++) {
            s.append(json(List.of(H, "sleep", "60", marker))).append('\n');
        }
        Files.writeString(file, s);
        Process cli = new ProcessBuilder(Cli.command("batch", "-j", "2", file.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader results = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(results.readLine()).contains("\"index\"").contains("\"exit\""); // as head -n 1 reads one line, then exits
            awaitMarked(marker, 2);
        }
        try {
            // The sleepers run for 60 s and print nothing meanwhile: the batch sees its reader gone on its own.
            assertThat(cli.waitFor(15, TimeUnit.SECONDS)).as("batch still running with nobody reading").isTrue();
            assertThat(cli.exitValue()).isEqualTo(128 + Signals.SIGPIPE);
            awaitMarked(marker, 0);
        } finally {
            cli.destroyForcibly();
        }
    }

    @Test
    void timeoutKillsWhatTheJobLeftInItsGroup() throws Exception {
        String marker = "batch-timeout-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        // sh exits at once; the background process it leaves in the job's group holds stdout.
        String job = json(List.of("/bin/sh", "-c", H + " sleep 60 " + marker + " & echo started"), "timeout", "500ms");
        Cli.Result r = Cli.runWithInput(job + "\n", "batch");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(printed(r).results().get(0)).containsEntry("exit", 0L).containsEntry("signal", null)
                .containsEntry("timed_out", true).containsEntry("stdout", "started\n");
        awaitMarked(marker, 0);
    }

    @Test
    void sigtermStopsLaunchingAndExits143() throws Exception {
        String marker = "batch-sigterm-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path file = tmp.resolve("jobs.jsonl");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            s.append(json(List.of(H, "sleep", "60", marker))).append('\n');
        }
        Files.writeString(file, s);
        try (Cli.Running cli = Cli.start("batch", "-j", "2", file.toString())) {
            awaitMarked(marker, 2);
            assertThat(Libc.kill((int) cli.pid(), Signals.SIGTERM)).isZero();
            Cli.Result r = cli.await(Duration.ofSeconds(15));
            assertThat(r.exit()).as(r.err()).isEqualTo(143);
            Printed p = printed(r);
            assertThat(p.results()).hasSize(2);
            assertThat(p.summary()).containsEntry("total", 2L).containsEntry("interrupted", true);
            awaitMarked(marker, 0);
        }
    }

    @Test
    void exitStatusIsZeroWhenAllSucceedAnd125ForPidspawnsOwnFailures() throws Exception {
        Cli.Result ok = Cli.runWithInput(json(List.of(H, "exit", "0")) + "\n\n" + json(List.of("true")) + "\n", "batch");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(printed(ok).summary()).containsEntry("total", 2L).containsEntry("ok", 2L);
        Cli.Result empty = Cli.runWithInput("", "batch");
        assertThat(empty.exit()).isZero();
        assertThat(printed(empty).summary()).containsEntry("total", 0L);

        Cli.Result missing = Cli.run("batch", tmp.resolve("no-such-file").toString());
        assertThat(missing.exit()).isEqualTo(125);
        assertThat(missing.err()).contains("no such file").contains("no-such-file");
        assertThat(missing.out()).isEmpty();
        assertThat(Cli.runWithInput("", "batch", "-j", "0").exit()).isEqualTo(125);
        assertThat(Cli.runWithInput("", "batch", "--timeout", "soon").err()).contains("--timeout");
        assertThat(Cli.runWithInput("", "batch", "--inline", "--output", tmp.toString()).exit()).isEqualTo(125);
    }

    @Test
    void oneTemplatePerExecutableWhateverTheJobCallsIt() throws Exception {
        Path dir = Path.of(H).getParent();
        String name = Path.of(H).getFileName().toString();
        try (Templates t = new Templates()) {
            Command byPath = t.forJob(BatchJob.parse(json(List.of(H))));
            Command relative = t.forJob(BatchJob.parse(json(List.of("./" + name), "cwd", dir.toString())));
            Command inJobsPath = t.forJob(BatchJob.parse(json(List.of(name), "env", Map.of("PATH", dir.toString()))));
            assertThat(relative).isSameAs(byPath);
            assertThat(inJobsPath).isSameAs(byPath);
            t.forJob(BatchJob.parse(json(List.of("sh"))));
            assertThat(t.size()).isEqualTo(2);
        }
    }

    @Test
    void progressLine() {
        long oneAndAHalfSeconds = Duration.ofMillis(1500).toNanos();
        assertThat(Progress.line(new Progress.Counts(212, 8, 3, 500), oneAndAHalfSeconds))
                .isEqualTo("[########------------]  212/500  running 8  failed 3  141.3/s  ETA 0:02");
        assertThat(Progress.line(new Progress.Counts(212, 8, 3, -1), oneAndAHalfSeconds))
                .isEqualTo("212 done  running 8  failed 3  141.3/s");
        assertThat(Progress.line(new Progress.Counts(500, 0, 3, 500), oneAndAHalfSeconds))
                .isEqualTo("[####################]  500/500  running 0  failed 3  333.3/s  in 0:02");
    }

    /** Waits (at most 20 s) until exactly {@code count} processes have the marker in their command line. */
    private static void awaitMarked(String marker, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<Long> marked;
        while ((marked = marked(marker)).size() != count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(marked).as("processes running %s", marker).hasSize(count);
    }

    private static List<Long> marked(String marker) {
        return processes().filter(pid -> read(Path.of("/proc", pid.toString(), "cmdline")).replace('\0', ' ').contains(marker))
                .toList();
    }

    private static Stream<Long> processes() {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::valueOf).toList().stream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return "";
        }
    }
}
