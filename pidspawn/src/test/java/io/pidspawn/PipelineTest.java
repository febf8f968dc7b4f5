package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Children piped into children: what the shell would print, end of file and SIGPIPE, and no byte through Java. */
@ExtendWith(LeakGuard.class)
class PipelineTest {
    private static Command sh(String script) throws ErrnoException {
        return Command.builder("/bin/sh").args("-c", script).build();
    }

    private static Command cmd(String program, String... args) throws ErrnoException {
        return Command.builder(program).args(args).build();
    }

    @Test
    void sortUniqEqualsTheShell() throws Exception {
        String shell;
        try (Command c = sh("printf 'b\\na\\nb\\n' | sort | uniq -c")) {
            shell = c.output().stdoutText();
        }
        try (Command a = cmd("printf", "b\\na\\nb\\n"); Command b = cmd("sort"); Command c = cmd("uniq", "-c")) {
            Pipeline.Result r = Pipeline.of(a, b, c).output();
            assertThat(r.last().stdoutText()).isEqualTo(shell).contains("2 b");
            assertThat(r.statuses()).hasSize(3).allMatch(ExitStatus::success);
            assertThat(r.failedStage()).isEmpty();
        }
    }

    @Test
    void aGibibyteThroughThreeStagesNeverReachesJava() throws Exception {
        long before = Helper.bytesReadByThreads();
        try (Command a = cmd("head", "-c", "1073741824", "/dev/zero"); Command b = cmd("cat"); Command c = cmd("wc", "-c")) {
            Pipeline.Result r = Pipeline.of(a, b, c).output();
            assertThat(r.last().stdoutText().trim()).isEqualTo("1073741824");
            assertThat(r.success()).isTrue();
        }
        // rchar counts every read of this JVM's threads (class files, /proc): far below the gibibyte
        assertThat(Helper.bytesReadByThreads() - before).isLessThan(64L << 20);
    }

    @Test
    void anUpstreamThatEndsGivesTheDownstreamEndOfFile() throws Exception {
        try (Command a = sh("echo one; exit 3"); Command b = cmd("cat")) {
            Pipeline.Result r = Pipeline.of(a, b).output();
            assertThat(r.last().stdoutText()).isEqualTo("one\n");
            assertThat(r.statuses().get(0).code()).isEqualTo(3);
            assertThat(r.failedStage()).hasValue(0);
        }
    }

    @Test
    void aDownstreamThatEndsGivesTheUpstreamSigpipe() throws Exception {
        try (Command a = cmd("yes"); Command b = cmd("head", "-n", "1")) {
            Pipeline.Result r = Pipeline.of(a, b).output();
            assertThat(r.last().stdoutText()).isEqualTo("y\n");
            assertThat(r.statuses().get(0).signal()).isEqualTo(Signals.SIGPIPE);
            assertThat(r.statuses().get(1).success()).isTrue();
        }
    }

    @Test
    void anUpstreamIgnoringSigpipeGetsEpipe(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("yes.err");
        // an ignored signal stays ignored across exec: yes's write fails with EPIPE instead
        try (Command a = Command.builder("/bin/sh").args("-c", "trap '' PIPE; exec yes").stderr(Stdio.writeTo(err)).build();
                Command b = cmd("head", "-n", "1")) {
            Pipeline.Result r = Pipeline.of(a, b).output();
            assertThat(r.last().stdoutText()).isEqualTo("y\n");
            assertThat(r.statuses().get(0).code()).isEqualTo(1);
            assertThat(r.failedStage()).hasValue(0);
        }
        assertThat(Files.readString(err)).contains("Broken pipe");
    }

    @Test
    void eachPipeJoinsOnlyItsTwoStagesAndEveryStageIsReaped() throws Exception {
        String h = Helper.path();
        List<Child> children;
        try (Command a = Command.builder(h).args("sleep", "30").stdin(Stdio.discard()).stderr(Stdio.discard()).build();
                Command b = Command.builder(h).args("cat").stderr(Stdio.discard()).build();
                Command c = Command.builder(h).args("cat").stderr(Stdio.discard()).build()) {
            children = Pipeline.of(a, b, c).start(Stdio.pipe());
        }
        try {
            // while every stage runs: each has fds 0, 1 and 2 only, each pipe joins two neighbours
            // (once its program runs: the dynamic loader holds libc open a moment; a stray pipe end stays)
            List<Map<Integer, String>> fds = new ArrayList<>();
            for (long deadline = System.nanoTime() + 10_000_000_000L; ; Thread.sleep(10)) {
                fds.clear();
                for (Child child : children) {
                    fds.add(fdTargets("/proc/" + child.pid() + "/fd"));
                }
                if (fds.stream().allMatch(f -> f.size() == 3) || System.nanoTime() > deadline) {
                    break;
                }
            }
            assertThat(fds).allSatisfy(f -> assertThat(f.keySet()).containsExactly(0, 1, 2));
            String ab = fds.get(0).get(1);
            String bc = fds.get(1).get(1);
            assertThat(fds.get(0).get(0)).isEqualTo("/dev/null");
            assertThat(ab).startsWith("pipe:").isEqualTo(fds.get(1).get(0));
            assertThat(bc).startsWith("pipe:").isEqualTo(fds.get(2).get(0)).isNotEqualTo(ab);
            assertThat(fds.get(2).get(1)).startsWith("pipe:").isNotIn(ab, bc);
            assertThat(fdTargets("/proc/self/fd").values()).as("this process's fds").doesNotContain(ab, bc);
            // the first stage killed, each next one sees end of file: nothing else holds a write end
            children.getFirst().kill();
            assertThat(children.getLast().stdout().readAllBytes()).isEmpty();
            assertThat(children.get(0).waitFor().signal()).isEqualTo(Signals.SIGKILL);
            assertThat(children.get(1).waitFor().success()).isTrue();
            assertThat(children.get(2).waitFor().success()).isTrue();
        } finally {
            for (Child child : children) {
                child.kill();
                child.waitFor();
                child.close();
            }
        }
        Set<Integer> left = Helper.children();
        assertThat(children).allSatisfy(child -> assertThat(left).doesNotContain(child.pid()));
    }

    /** Each fd in a /proc fd directory and what it points at. */
    private static Map<Integer, String> fdTargets(String dir) throws Exception {
        Map<Integer, String> fds = new TreeMap<>();
        try (var list = Files.list(Path.of(dir))) {
            for (Path fd : list.toList()) {
                try {
                    fds.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (java.io.IOException closedMeanwhile) {
                    // another thread's fd (or the listing's own), gone by now
                }
            }
        }
        return fds;
    }

    @Test
    void aTimeoutEndsEveryStage() throws Exception {
        // the upstream writes nothing, so no SIGPIPE would end it: the timeout must
        try (Command a = cmd("sleep", "30"); Command b = cmd("cat")) {
            Pipeline.Result r = Pipeline.of(a, b).output(Capture.defaults().withTimeout(java.time.Duration.ofMillis(300)));
            assertThat(r.last().timedOut()).isTrue();
            assertThat(r.statuses().get(0).signal()).isEqualTo(Signals.SIGKILL); // not waited for to its end
            assertThat(r.failedStage()).hasValue(0);
        }
    }

    @Test
    void aStageThatCannotStartIsNamedAndTheOthersAreReaped() throws Exception {
        try (Command a = cmd("sleep", "30"); Command b = Command.builder("/bin/sh").args("-c", "cat")
                .stderr(Stdio.writeTo(Path.of("/nonexistent/dir/err"))).build(); Command c = cmd("cat")) {
            assertThatThrownBy(() -> Pipeline.of(a, b, c).start(null))
                    .isInstanceOf(SpawnException.class).hasMessageContaining("stage 1 of the pipeline");
        }
        assertThatThrownBy(() -> Pipeline.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
