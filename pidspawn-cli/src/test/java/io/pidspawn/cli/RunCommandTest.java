package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pidspawn run}: options reach the child, and the exit status follows the documented table. */
class RunCommandTest {
    @TempDir
    Path tmp;

    @Test
    void passesStdioThroughAndExitsWithTheChildsCode() throws Exception {
        Cli.Result r = Cli.run("run", "--", Helper.path(), "out", "to-stdout", ";", "err", "to-stderr", ";", "exit", "42");
        assertThat(r.exit()).isEqualTo(42);
        assertThat(r.out()).isEqualTo("to-stdout\n");
        assertThat(r.err()).isEqualTo("to-stderr\n");
    }

    @Test
    void cwdEnvAndClearEnvReachTheChild() throws Exception {
        Cli.Result r = Cli.run("run", "--cwd", tmp.toString(), "--clear-env", "--env", "GREETING=hi there", "--env", "X=1",
                "--", Helper.path(), "cwd", ";", "env");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(tmp.toRealPath() + "\nGREETING=hi there\nX=1\n");
    }

    @Test
    void environmentIsInheritedUnlessCleared() throws Exception {
        Cli.Result r = Cli.run("run", "--env", "EXTRA=yes", "--", Helper.path(), "getenv", "PATH", ";", "getenv", "EXTRA");
        assertThat(r.out()).isEqualTo(System.getenv("PATH") + "\nyes\n");
    }

    @Test
    void programsAreFoundInPath() throws Exception {
        Cli.Result r = Cli.run("run", "--", "sh", "-c", "echo $0");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("sh\n");
    }

    @Test
    void signalDeathIs128PlusTheSignal() throws Exception {
        assertThat(Cli.run("run", "--", Helper.path(), "kill-self", "9").exit()).isEqualTo(137);
        assertThat(Cli.run("run", "--", Helper.path(), "kill-self", "15").exit()).isEqualTo(143);
    }

    @Test
    void missingProgramIs127WithTheErrnoOnStderr() throws Exception {
        Cli.Result r = Cli.run("run", "--", "/no/such/program");
        assertThat(r.exit()).isEqualTo(127);
        assertThat(r.err()).contains("/no/such/program: cannot open: no such file or directory (ENOENT)");
        assertThat(Cli.run("run", "--", "no-such-program-in-path").exit()).isEqualTo(127);
    }

    @Test
    void notExecutableIs126() throws Exception {
        Path data = Files.writeString(tmp.resolve("data"), "not a program");
        assertThat(Cli.run("run", "--", data.toString()).exit()).isEqualTo(126);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        // Executable but no binary format: /bin/sh runs it, as env(1) does, and its "not: not found" is 127.
        Cli.Result r = Cli.run("run", "--", data.toString());
        Process env = new ProcessBuilder("env", data.toString()).start();
        assertThat(r.exit()).isEqualTo(env.waitFor()).isEqualTo(127);
    }

    @Test
    void pidspawnsOwnFailuresAre125() throws Exception {
        Cli.Result badCwd = Cli.run("run", "--cwd", "/no/such/dir", "--", Helper.path(), "exit", "0");
        assertThat(badCwd.exit()).isEqualTo(125);
        assertThat(badCwd.err()).contains("cwd").contains("ENOENT");
        Cli.Result badEnv = Cli.run("run", "--env", "=oops", "--", Helper.path(), "exit", "0");
        assertThat(badEnv.exit()).isEqualTo(125);
        assertThat(badEnv.err()).contains("EINVAL");
        assertThat(Cli.run("run", "--no-such-option", "--", "true").exit()).isEqualTo(125);
        assertThat(Cli.run("run").exit()).isEqualTo(125);
    }

    @Test
    void aRefusedSettingIsToldAsTheOptionThatGaveIt() throws Exception {
        Cli.Result env = Cli.run("run", "--env", "NOEQUALS", "--", Helper.path(), "exit", "0");
        assertThat(env.exit()).isEqualTo(125);
        assertThat(env.err()).isEqualTo("pidspawn: --env NOEQUALS: expected NAME=value (EINVAL)\n");
        Cli.Result cwd = Cli.run("run", "--cwd", "/no/such/dir", "--", Helper.path(), "exit", "0");
        assertThat(cwd.err()).isEqualTo("pidspawn: --cwd /no/such/dir: no such file or directory (ENOENT)\n");
        Cli.Result umask = Cli.run("run", "--umask", "999", "--", Helper.path(), "exit", "0");
        assertThat(umask.err()).isEqualTo("pidspawn: --umask 999: expected an octal mode 000..777 (EINVAL)\n");
        Cli.Result rlimit = Cli.run("run", "--rlimit", "NOFILE=lots", "--", Helper.path(), "exit", "0");
        assertThat(rlimit.exit()).isEqualTo(125);
        assertThat(rlimit.err()).startsWith("pidspawn: --rlimit NOFILE=lots: ").endsWith(" (EINVAL)\n");
        Cli.Result missing = Cli.run("run", "--", "no-such-program-pidspawn");
        assertThat(missing.exit()).isEqualTo(127);
        assertThat(missing.err()).startsWith("pidspawn: no-such-program-pidspawn: not found in PATH=").endsWith(" (ENOENT)\n");
    }

    @Test
    void sigtermToPidspawnIsPassedToTheChild() throws Exception {
        // The child reports its own death by SIGTERM as 143: pidspawn forwarded the signal.
        Cli.Result r = Cli.run("run", "--", "sh", "-c", "kill -TERM $PPID; sleep 10; echo not-reached");
        assertThat(r.exit()).isEqualTo(143);
        assertThat(r.out()).isEmpty();
    }
}
