package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pidspawn batch} input errors, and usage errors of every command, as coreutils tells them. */
class BatchConventionsTest {
    @TempDir
    Path tmp;

    @Test
    void inputThatCannotBeReadIsOneErrorIn125AndNoSummaryWhetherOpeningOrReadingFails() throws Exception {
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put(tmp.resolve("missing.jsonl").toString(), "no such file or directory");
        reasons.put(tmp.toString(), "is a directory");
        reasons.put("/etc/passwd/jobs.jsonl", "not a directory");
        reasons.put("/proc/self/mem", "input/output error"); // opens, then the first read fails
        if (Helper.ROOT) {
            System.out.println("BatchConventionsTest: an unreadable file is not tried as root, who may read it anyway");
        } else {
            Path locked = Files.writeString(tmp.resolve("locked.jsonl"), "{\"argv\": [\"true\"]}\n");
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
            reasons.put(locked.toString(), "permission denied");
        }
        reasons.forEach((input, reason) -> {
            Cli.Result r = run("batch", input);
            assertThat(r.exit()).as(input).isEqualTo(125);
            assertThat(r.out()).as("no summary for %s", input).isEmpty();
            assertThat(r.err()).as(input).isEqualTo("pidspawn: " + input + ": cannot read the jobs: " + reason + "\n");
        });
        // The same when stdin is the directory: it fails on the first read, not on opening.
        List<String> viaShell = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" < \"$0\"", tmp.toString()));
        viaShell.addAll(Cli.command("batch"));
        Process p = new ProcessBuilder(viaShell).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.getInputStream().readAllBytes()).as("no summary").isEmpty();
        assertThat(p.waitFor()).isEqualTo(125);
        assertThat(err).isEqualTo("pidspawn: stdin: cannot read the jobs: is a directory\n");
    }

    @Test
    void aLineThatIsNotJsonSaysSo() throws Exception {
        Path jobs = tmp.resolve("jobs.jsonl");
        Files.writeString(jobs, "{\"argv\": [\"true\"]}\n\nnope\n{\"argv\": [\"true\"]\n");
        Cli.Result r = Cli.run("batch", jobs.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("\"error\": \"line 3: not JSON: at offset 0: 'nope' is not a JSON value\"")
                .contains("\"error\": \"line 4: not JSON: at offset 17: expected '}'\"");
    }

    private static Cli.Result run(String... args) {
        try {
            return Cli.run(args);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theSummaryFieldsAreAllDocumented() throws Exception {
        String help = Cli.run("batch", "--help").out();
        for (String field : new String[] {"total", "ok", "failed", "timed_out", "errors", "duration_ms", "interrupted"}) {
            assertThat(help).contains("\"" + field + "\"");
        }
    }

    @Test
    void aUsageErrorIsTheWrongLineAndAPointerToHelp() throws Exception {
        Cli.Result r = Cli.run("run", "--no-such-option", "--", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err().lines().toList()).hasSize(2);
        assertThat(r.err()).contains("--no-such-option").contains("Try 'pidspawn run --help' for more information.");
    }
}
