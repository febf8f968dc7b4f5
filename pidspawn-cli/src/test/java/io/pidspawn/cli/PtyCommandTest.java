package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.testkit.Helper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pidspawn run --pty} and batch's {@code "pty": true}: the program sees a terminal with or
 * without one at the caller, gets the size asked for or the caller's (also after a resize),
 * every byte it writes is relayed, and a real caller's terminal ({@code script(1)}'s pty) is in
 * raw mode while it runs and exactly as before ({@code stty -g}) after a normal exit, Ctrl-C,
 * Ctrl-Z then a kill, a spawn error, and SIGTERM to pidspawn.
 */
class PtyCommandTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void needsScript() {
        // bin/test installs bsdutils (script) when it is missing; a bare mvn run may not have it.
        boolean found = List.of(System.getenv("PATH").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, "script")));
        if (!found) {
            System.err.println("PtyCommandTest: skipped, no script(1) in PATH (apt-get install bsdutils)");
        }
        assumeTrue(found, "script(1) from bsdutils gives the tests a real terminal");
    }

    // ---- without a terminal at the caller ----

    @Test
    void theProgramSeesATerminalAndEveryByteItWritesIsRelayed() throws Exception {
        Cli.Result r = Cli.run("run", "--pty", "--", "sh", "-c",
                "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty; tty; head -c 1000000 /dev/zero | tr '\\0' a; echo; echo END");
        assertThat(r.exit()).isZero();
        String[] lines = r.out().split("\r\n", -1);
        assertThat(lines[0]).isEqualTo("tty");
        assertThat(lines[1]).matches("/dev/pts/\\d+");
        assertThat(lines[2]).hasSize(1_000_000).matches("a+");
        assertThat(lines[3]).isEqualTo("END");
        assertThat(lines).hasSize(5); // the last \r\n ends the output
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theSizeIsPtySizeOr80x24WithoutACallersTerminal() throws Exception {
        assertThat(Cli.run("run", "--pty-size", "132x43", "--", "stty", "size").out()).isEqualTo("43 132\r\n");
        assertThat(Cli.run("run", "--pty", "--", "stty", "size").out()).isEqualTo("24 80\r\n");
    }

    @Test
    void aPipedStdinIsTypedAndEndsAsCtrlD() throws Exception {
        // No newline at the end: one Ctrl-D hands "world" to wc, a second one is its end of file.
        Cli.Result r = Cli.runWithInput("hello\nworld", "run", "--pty", "--", "wc", "-c");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("hello\r\nworld").endsWith("11\r\n"); // the terminal's echo, then wc's count
    }

    @Test
    void exitStatusIsAsForRun() throws Exception {
        assertThat(Cli.run("run", "--pty", "--", "sh", "-c", "exit 7").exit()).isEqualTo(7);
        assertThat(Cli.run("run", "--pty", "--", Helper.path(), "kill-self", "9").exit()).isEqualTo(137);
        Cli.Result missing = Cli.run("run", "--pty", "--", "/no/such/program");
        assertThat(missing.exit()).isEqualTo(127);
        assertThat(missing.err()).contains("/no/such/program: cannot open: no such file or directory (ENOENT)");
    }

    @Test
    void badPtyOptionsAreRefusedByName() throws Exception {
        Cli.Result noSize = Cli.run("run", "--pty-size", "80", "--", "true");
        assertThat(noSize.exit()).isEqualTo(125);
        assertThat(noSize.err()).contains("--pty-size 80: expected COLSxROWS, such as 120x40");
        assertThat(Cli.run("run", "--pty-size", "0x24", "--", "true").err())
                .contains("--pty-size 0x24: columns and rows must be 1 to 65535");
        Cli.Result ctty = Cli.run("run", "--pty", "--ctty", "--", "true");
        assertThat(ctty.exit()).isEqualTo(125);
        assertThat(ctty.err()).contains("--ctty and --pty exclude each other");
        assertThat(Cli.run("run", "--pty", "--fd", "1=/dev/null:w", "--", "true").err())
                .contains("--fd 1=/dev/null:w and --pty exclude each other");
    }

    @Test
    void sigintAndSighupToPidspawnReachTheProgram() throws Exception {
        // Its own session, on its own terminal: no key at pidspawn's reaches it, so pidspawn passes them on.
        for (String sig : List.of("INT", "HUP")) {
            Path ready = tmp.resolve("ready-" + sig);
            try (Cli.Running r = Cli.start("run", "--pty", "--", "sh", "-c",
                    "trap 'exit 9' " + sig + "; touch " + ready + "; while :; do sleep 0.1; done")) {
                awaitFile(ready.getFileName().toString());
                new ProcessBuilder("kill", "-" + sig, String.valueOf(r.pid())).start().waitFor();
                assertThat(r.await().exit()).as("SIG%s", sig).isEqualTo(9);
            }
        }
    }

    // ---- under a real terminal ----

    @Test
    void rawModeWhileItRunsAndTheModesBackAfterANormalExit() throws Exception {
        Path dir = tmp;
        try (Cli.Running t = onTerminal("tty > " + dir.resolve("outer") + "; ", "--pty-size", "100x30", "--", "sh", "-c",
                // pidspawn makes its terminal raw once the spawn succeeded: give it up to 5 s to.
                "stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo on-a-tty; outer=\"$(cat " + dir.resolve("outer") + ")\"; "
                        + "i=0; while stty -a < \"$outer\" | grep -q ' icanon' && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; "
                        + "stty -a < \"$outer\" > " + dir.resolve("during") + "; exit 3")) {
            Cli.Result r = t.await();
            assertThat(rc()).isEqualTo(3);
            assertThat(r.out()).contains("30 100\r\n", "on-a-tty\r\n");
        }
        assertThat(read("during")).as("the caller's terminal while the program runs").contains("-icanon", "-isig", "-opost")
                .containsPattern("(^|\\s)-echo(\\s|$)");
        assertModesRestored();
    }

    @Test
    void ctrlCReachesTheProgramThroughItsTerminal() throws Exception {
        try (Cli.Running t = onTerminal("", "--pty", "--", "sh", "-c", "touch " + tmp.resolve("ready") + "; exec sleep 60")) {
            awaitFile("ready");
            t.stdin().write(3); // typed at the caller's terminal, which pidspawn holds raw: a byte for the program's
            t.stdin().flush();
            t.await();
        }
        assertThat(rc()).isEqualTo(130);
        assertModesRestored();
    }

    @Test
    void ctrlZReachesTheProgramAndItsDeathByASignalIsAsForRun() throws Exception {
        // The program leads its session from a parent outside it: its group is orphaned, so the
        // kernel would discard a stop by SIGTSTP's default action (a job-control shell inside
        // would stop its jobs); a handler sees it come.
        try (Cli.Running t = onTerminal("", "--pty", "--", "sh", "-c", "trap 'echo tstp > " + tmp.resolve("got")
                + "; kill -KILL $$' TSTP; touch " + tmp.resolve("ready") + "; while :; do sleep 0.1; done")) {
            awaitFile("ready");
            t.stdin().write(26); // Ctrl-Z
            t.stdin().flush();
            t.await();
        }
        assertThat(read("got")).isEqualTo("tstp\n");
        assertThat(rc()).isEqualTo(137);
        assertModesRestored();
    }

    @Test
    void aSpawnErrorLeavesTheTerminalAsItWas() throws Exception {
        try (Cli.Running t = onTerminal("", "--pty", "--", "/no/such/program")) {
            assertThat(t.await().out()).contains("/no/such/program: cannot open");
        }
        assertThat(rc()).isEqualTo(127);
        assertModesRestored();
    }

    @Test
    void sigtermToPidspawnReachesTheProgramAndTheTerminalIsRestored() throws Exception {
        try (Cli.Running t = onTerminal("", "--pty", "--", "sh", "-c", "echo $PPID > " + tmp.resolve("jvm.tmp") + "; mv "
                + tmp.resolve("jvm.tmp") + " " + tmp.resolve("jvm") + "; exec sleep 60")) {
            String jvm = awaitFile("jvm").trim(); // the program's parent is the pidspawn JVM
            new ProcessBuilder("kill", "-TERM", jvm).start().waitFor();
            t.await();
        }
        assertThat(rc()).isEqualTo(143);
        assertModesRestored();
    }

    @Test
    void thePtyFollowsTheCallersWindowSize() throws Exception {
        Path ready = tmp.resolve("ready");
        // The caller's terminal is 90x20 at the start, then resized to 100x30 (SIGWINCH) once the program waits.
        String before = "stty cols 90 rows 20; (while [ ! -e " + ready + " ]; do sleep 0.05; done; stty cols 100 rows 30 < /dev/tty) & ";
        try (Cli.Running t = onTerminal(before, "--pty", "--", "sh", "-c", "stty size > " + tmp.resolve("size0")
                + "; trap 'stty size > " + tmp.resolve("size1.tmp") + "; mv " + tmp.resolve("size1.tmp") + " "
                + tmp.resolve("size1") + "; exit 0' WINCH; touch " + ready + "; while :; do sleep 0.1; done")) {
            awaitFile("size1");
            t.await();
        }
        assertThat(read("size0")).isEqualTo("20 90\n");
        assertThat(read("size1")).isEqualTo("30 100\n");
        assertThat(rc()).isZero();
    }

    // ---- batch ----

    @Test
    void batchPtyJobsSeeATerminalAndReportWhatItShowed() throws Exception {
        String jobs = String.join("\n",
                "{\"argv\": [\"sh\", \"-c\", \"[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty; tty; echo err >&2\"], \"pty\": true}",
                "{\"argv\": [\"tr\", \"a-z\", \"A-Z\"], \"pty\": true, \"stdin\": \"abc\\n\"}",
                "{\"argv\": [\"cat\"], \"pty\": true}",
                "{\"argv\": [\"true\"], \"pty\": \"yes\"}",
                "{\"argv\": [\"sh\", \"-c\", \"[ -t 1 ] || echo not-a-tty\"], \"pty\": false}") + "\n";
        Cli.Result r = Cli.runWithInput(jobs, "batch", "-j", "1");
        Map<Long, Map<?, ?>> byIndex = r.out().lines().map(l -> (Map<?, ?>) Json.parse(l))
                .filter(m -> m.containsKey("index")).collect(Collectors.toMap(m -> ((Number) m.get("index")).longValue(), m -> m));
        assertThat((String) byIndex.get(0L).get("stdout")).matches("tty\r\n/dev/pts/\\d+\r\nerr\r\n");
        assertThat(byIndex.get(0L).get("stderr")).isEqualTo("");
        assertThat(byIndex.get(1L).get("stdout")).isEqualTo("abc\r\nABC\r\n"); // the echo of what was typed, then tr's
        assertThat(byIndex.get(2L).get("stdout")).isEqualTo(""); // without stdin: Ctrl-D, as /dev/null would end
        assertThat(byIndex.get(2L).get("exit")).as(r.out()).isEqualTo(0L);
        assertThat(byIndex.get(3L).get("error")).isEqualTo("line 4: \"pty\" must be true or false, not \"yes\"");
        assertThat(byIndex.get(4L).get("stdout")).isEqualTo("not-a-tty\n");
        assertThat(r.exit()).isEqualTo(1); // the refused line
    }

    @Test
    void batchPtyJobsWithOutputWriteTheTerminalToTheStdoutFile() throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.runWithInput("{\"argv\": [\"sh\", \"-c\", \"echo one; echo two >&2\"], \"pty\": true}\n",
                "batch", "--output", out.toString());
        assertThat(r.exit()).isZero();
        assertThat(Files.readString(out.resolve("0.stdout"))).isEqualTo("one\r\ntwo\r\n");
        assertThat(Files.readString(out.resolve("0.stderr"))).isEmpty();
    }

    // ---- helpers ----

    /**
     * Runs {@code pidspawn run ARGS} on script(1)'s terminal, its stdin a pipe the test types
     * into: {@code stty -g} of that terminal goes to before and after, the exit status to rc.
     */
    private Cli.Running onTerminal(String shellBefore, String... runArgs) throws IOException {
        List<String> cli = new ArrayList<>(Cli.command("run"));
        cli.addAll(List.of(runArgs));
        String line = shellBefore + "stty -g > " + tmp.resolve("before") + "; "
                + cli.stream().map(PtyCommandTest::quote).collect(Collectors.joining(" "))
                + "; echo $? > " + tmp.resolve("rc") + "; stty -g > " + tmp.resolve("after");
        return Cli.startCommand(List.of("script", "-qec", line, "/dev/null"));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private void assertModesRestored() throws IOException {
        assertThat(read("after")).as("stty -g after pidspawn").isEqualTo(read("before"));
    }

    private int rc() throws IOException {
        return Integer.parseInt(read("rc").trim());
    }

    private String read(String name) throws IOException {
        return Files.readString(tmp.resolve(name), StandardCharsets.UTF_8);
    }

    /** Waits (at most 30 s) for the file the program writes when it is ready, and reads it. */
    private String awaitFile(String name) throws Exception {
        Path f = tmp.resolve(name);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(f)) {
            assertThat(System.nanoTime()).as("%s written by the program", name).isLessThan(deadline);
            Thread.sleep(20);
        }
        return Files.readString(f);
    }}
