package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
        long before = readBytes();
        try (Command a = cmd("head", "-c", "1073741824", "/dev/zero"); Command b = cmd("cat"); Command c = cmd("wc", "-c")) {
            Pipeline.Result r = Pipeline.of(a, b, c).output();
            assertThat(r.last().stdoutText().trim()).isEqualTo("1073741824");
            assertThat(r.success()).isTrue();
        }
        // rchar counts every read of this JVM's threads (class files, /proc): far below the gibibyte
        assertThat(readBytes() - before).isLessThan(64L << 20);
    }

    /** What this JVM's live threads have read: per thread, as /proc/self/io adds reaped children's reads too. */
    private static long readBytes() throws Exception {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(t.resolve("io"))) {
                        if (line.startsWith("rchar:")) {
                            sum += Long.parseLong(line.substring(6).trim());
                        }
                    }
                } catch (java.io.IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
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
    void noStageHoldsAStrayPipeEnd() throws Exception {
        try (Command a = sh("ls /proc/$$/fd"); Command b = sh("cat; ls /proc/$$/fd")) {
            Pipeline.Result r = Pipeline.of(a, b).output();
            assertThat(r.last().stdoutText()).isEqualTo("0\n1\n2\n0\n1\n2\n");
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
