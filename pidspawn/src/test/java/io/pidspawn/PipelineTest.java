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
        // rchar counts every read of this JVM (class files, /proc): far below the gibibyte
        assertThat(readBytes() - before).isLessThan(64L << 20);
    }

    private static long readBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("rchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new AssertionError("no rchar in /proc/self/io");
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
                .stdout(Stdio.writeTo(Path.of("/nonexistent/dir/out"))).build()) {
            assertThatThrownBy(() -> Pipeline.of(a, b).start(Stdio.inherit()))
                    .isInstanceOf(SpawnException.class).hasMessageContaining("stage 1 of the pipeline");
        }
        assertThatThrownBy(() -> Pipeline.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
