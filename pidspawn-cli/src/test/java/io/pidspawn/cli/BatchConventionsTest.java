package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pidspawn batch} input errors, and usage errors of every command, as coreutils tells them. */
class BatchConventionsTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingFileAndADirectoryAreOneErrorAnd125WithoutASummary() throws Exception {
        for (Path input : new Path[] {tmp.resolve("missing.jsonl"), tmp}) {
            Cli.Result r = Cli.run("batch", input.toString());
            assertThat(r.exit()).as(input.toString()).isEqualTo(125);
            assertThat(r.out()).as("no summary for %s", input).isEmpty();
            assertThat(r.err().lines().toList()).as(input.toString()).hasSize(1);
            assertThat(r.err()).contains(input + ": cannot read the jobs: ");
        }
        assertThat(Cli.run("batch", tmp.toString()).err()).contains("is a directory");
    }

    @Test
    void aLineThatIsNotJsonSaysSo() throws Exception {
        Path jobs = tmp.resolve("jobs.jsonl");
        Files.writeString(jobs, "{\"argv\": [\"true\"]}\n\nnope\n");
        Cli.Result r = Cli.run("batch", jobs.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("\"error\": \"line 3: not JSON: ");
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
