package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pidspawn run} follows timeout(1) and env(1): exit statuses, option errors, --json and --rlimit. */
class RunConventionsTest {
    @TempDir
    Path tmp;

    @Test
    void timeoutWithSignalKillExits137AsTimeoutDoes() throws Exception {
        assertThat(Cli.run("run", "--timeout", "200ms", "--signal", "KILL", "--", "sleep", "10").exit()).isEqualTo(137);
    }

    @Test
    void timeoutWithAnotherSignalExits124EvenWhenItKillsTheChild() throws Exception {
        assertThat(Cli.run("run", "--timeout", "200ms", "--", "sleep", "10").exit()).isEqualTo(124);
    }

    @Test
    void killAfterThatFiresExits137() throws Exception {
        Cli.Result r = Cli.run("run", "--timeout", "200ms", "--kill-after", "200ms", "--", "sh", "-c", "trap '' TERM; sleep 10");
        assertThat(r.exit()).isEqualTo(137);
    }

    @Test
    void killAfterWithoutTimeoutIsAnError() throws Exception {
        Cli.Result r = Cli.run("run", "--kill-after", "1s", "--", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("--kill-after 1s: needs --timeout");
    }

    @Test
    void jsonIsAFlagThatNeverTakesTheProgram() throws Exception {
        Cli.Result r = Cli.run("run", "--json", "echo", "hi");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("hi\n");
        assertThat(r.err()).contains("\"argv\": [\"echo\", \"hi\"]").contains("\"exit\": 0");
    }

    @Test
    void jsonFileGetsTheResult() throws Exception {
        Path f = tmp.resolve("r.json");
        Cli.Result r = Cli.run("run", "--json-file", f.toString(), "--", "true");
        assertThat(r.exit()).isZero();
        assertThat(Files.readString(f)).contains("\"exit\": 0").contains("\"wall_ms\"").contains("\"spawn_us\"");
    }

    @Test
    void jsonFileThatCannotBeWrittenIs125WithTheReason() throws Exception {
        Cli.Result r = Cli.run("run", "--json-file", tmp.resolve("no/such/dir/r.json").toString(), "--", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("No such file or directory");
    }

    @Test
    void aScriptWithoutHashBangRunsWithBinShAsEnvRunsIt() throws Exception {
        Path script = tmp.resolve("plain.sh");
        Files.writeString(script, "echo \"from-script $1 $0\"\n");
        script.toFile().setExecutable(true);
        Cli.Result r = Cli.run("run", "--", script.toString(), "arg");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("from-script arg " + script + "\n");
    }

    @Test
    void aRelativeProgramIsFoundInCwdAsEnvDashCFindsIt() throws Exception {
        Path script = tmp.resolve("rel.sh");
        Files.writeString(script, "#!/bin/sh\necho rel-ok\n");
        script.toFile().setExecutable(true);
        Cli.Result r = Cli.run("run", "--cwd", tmp.toString(), "--", "./rel.sh");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("rel-ok\n");
    }

    @Test
    void emptyProgramIs127LikeEnv() throws Exception {
        Cli.Result r = Cli.run("run", "--", "");
        assertThat(r.exit()).isEqualTo(127);
        assertThat(r.err()).contains("No such file or directory");
    }

    @Test
    void rlimitWithOneValueSetsTheHardLimitToo() throws Exception {
        Cli.Result r = Cli.run("run", "--rlimit", "NOFILE=200", "--", "sh", "-c", "ulimit -Sn; ulimit -Hn");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("200\n200\n");
        r = Cli.run("run", "--rlimit", "NOFILE=100:300", "--", "sh", "-c", "ulimit -Sn; ulimit -Hn");
        assertThat(r.out()).isEqualTo("100\n300\n");
    }

    @Test
    void helpExamplesShowDollarsAsBashNeedsThem() throws Exception {
        String help = Cli.run("run", "--help").out();
        assertThat(help).contains("echo $$'");
    }

    @Test
    void everyHelpExampleIsOneWholeBashCommand() throws Exception {
        for (String cmd : new String[] {"run", "batch"}) {
            String help = Cli.run(cmd, "--help").out();
            String examples = help.substring(help.indexOf("Examples:") + "Examples:".length());
            java.util.List<String> lines = examples.lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).isNotEmpty();
            for (String line : lines) {
                assertThat(line).as("a wrapped or cut example in %s --help", cmd).startsWith("  ").contains("pidspawn ")
                        .doesNotContainPattern(" [^' ]*=&"); // an unquoted & would put the command in the background
                Process bash = new ProcessBuilder("bash", "-n", "-c", line).redirectErrorStream(true).start();
                String out = new String(bash.getInputStream().readAllBytes());
                assertThat(bash.waitFor()).as("bash -n on: %s\n%s", line, out).isZero();
            }
        }
    }

    @Test
    void helpDocumentsTheRlimitAndJsonRules() throws Exception {
        String help = Cli.run("run", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("sets the hard limit to SOFT too").contains("--json-file").contains("the spawn call alone");
        assertThat(Helper.path()).isNotEmpty();
    }
}
