package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.internal.linux.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The recipe: executable lookup, argv, environment, cwd, per-spawn overrides, errors and closing. */
@ExtendWith(LeakGuard.class)
class CommandTest {
    @TempDir
    Path tmp;

    private static Command.Builder helper(String... args) {
        return Command.builder(Helper.path()).args(args);
    }

    private static String run(Command.Builder b) throws Exception {
        try (Command c = b.build()) {
            Output o = c.output();
            assertThat(o.status()).as(o.stderrText()).isEqualTo(ExitStatus.exited(0));
            return o.stdoutText();
        }
    }

    @Test
    void bareNameIsFoundInPathOnceWhenBuilt() throws Exception {
        try (Command sh = Command.builder("sh").args("-c", "echo $0").build()) {
            assertThat(sh.program()).isAbsolute();
            assertThat(sh.program().getFileName()).hasToString("sh");
            assertThat(sh.argv()).containsExactly("sh", "-c", "echo $0");
            assertThat(sh.output().stdoutText()).isEqualTo("sh\n");
        }
    }

    @Test
    void childPathWinsOverOurs() throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Files.copy(Path.of(Helper.path()), bin.resolve("only-here"));
        try (Command c = Command.builder("only-here").env("PATH", "relative/dir::" + bin).args("out", "found").build()) {
            assertThat(c.program()).isEqualTo(bin.resolve("only-here"));
            assertThat(c.output().stdoutText()).isEqualTo("found\n");
        }
    }

    @Test
    void missingProgramIsEnoentNamingPath() {
        assertThatThrownBy(() -> Command.builder("no-such-program-pidspawn").env("PATH", tmp.toString()).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("Command.builder(\"no-such-program-pidspawn\"): not found in PATH=" + tmp + " (ENOENT)");
    }

    @Test
    void aPathIsNeverLookedUpInPath() {
        assertThatThrownBy(() -> Command.builder(Path.of("sh")).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("Command.builder(\"./sh\") (" + Path.of("sh").toAbsolutePath() + "): cannot open: no such file or directory (ENOENT)");
    }

    @Test
    void nonExecutableInPathIsEacces() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-exec"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Command.builder("not-exec").env("PATH", tmp.toString()).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
    }

    @Test
    void argv0AndArguments() throws Exception {
        assertThat(run(helper("argv").arg0("fancy-name"))).startsWith("fancy-name\nargv\n");
    }

    @Test
    void argv0PerSpawn() throws Exception {
        try (Command c = helper("argv").build()) {
            Output o = c.output(SpawnOverrides.none().withArg0("per-spawn").withArgs("more"), Capture.defaults());
            assertThat(o.stdoutText()).isEqualTo("per-spawn\nargv\nmore\n");
            assertThat(c.output(SpawnOverrides.none().withArg0("alone"), Capture.defaults()).stdoutText()).isEqualTo("alone\nargv\n");
            assertThat(c.output().stdoutText()).isEqualTo(Helper.path() + "\nargv\n"); // the template's own
        }
    }

    @Test
    void findProgramFindsWhatBuildWouldPin() throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Files.copy(Path.of(Helper.path()), bin.resolve("only-here"));
        assertThat(Command.findProgram("only-here", Map.of("PATH", bin.toString()))).isEqualTo(bin.resolve("only-here"));
        try (Command sh = Command.builder("sh").build()) {
            assertThat(Command.findProgram("sh", Map.of())).isEqualTo(sh.program());
        }
        assertThat(Command.findProgram("a/../b", Map.of())).isEqualTo(Path.of("b").toAbsolutePath());
        assertThatThrownBy(() -> Command.findProgram("only-here", Map.of("PATH", tmp.toString())))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }

    @Test
    void processGroupZeroMakesTheChildALeader() throws Exception {
        // ids prints the session, the process group and the pid.
        String[] ids = run(helper("ids").processGroup(0)).trim().split(" ");
        assertThat(ids[1]).isEqualTo(ids[2]);
        String[] own = run(helper("ids")).trim().split(" ");
        assertThat(own[1]).as("an output() child leads its own group by default").isEqualTo(own[2]);
        try (Command c = helper("ids").build(); Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
            String[] ours = new String(child.stdout().readAllBytes()).trim().split(" ");
            child.waitFor();
            assertThat(ours[1]).as("a spawn()ed one is in ours").isEqualTo(Integer.toString(Libc.getpgid(0)));
        }
        assertThatThrownBy(() -> helper().processGroup(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void environmentIsInheritedThenChangedInOrder() throws Exception {
        assertThat(run(helper("getenv", "PATH", ";", "getenv", "A", ";", "getenv", "HOME").env("A", "1").unsetEnv("HOME")))
                .isEqualTo(System.getenv("PATH") + "\n1\n<unset>\n");
        assertThat(run(helper("env").env("DROPPED", "x").clearEnv().env("ONLY", "this"))).isEqualTo("ONLY=this\n");
    }

    @Test
    void cwdFromCommandAndPerSpawn() throws Exception {
        Path other = Files.createDirectory(tmp.resolve("other"));
        try (Command c = helper("cwd").cwd(tmp).build()) {
            assertThat(c.output().stdoutText()).isEqualTo(tmp.toRealPath() + "\n");
            Output o = c.output(SpawnOverrides.none().withCwd(other), Capture.defaults());
            assertThat(o.stdoutText()).isEqualTo(other.toRealPath() + "\n");
        }
    }

    @Test
    void overridesAddArgumentsAndVariablesToTheTemplate() throws Exception {
        try (Command exit = helper("exit").build(); Child child = exit.spawn(List.of("7"))) {
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(7));
        }
        try (Command c = helper("getenv", "A").env("A", "base").build()) {
            SpawnOverrides o = SpawnOverrides.none().withArgs(";", "getenv", "B").withEnv(Map.of("A", "changed", "B", "new"));
            assertThat(c.output(o, Capture.defaults()).stdoutText()).isEqualTo("changed\nnew\n");
            assertThat(c.output().stdoutText()).isEqualTo("base\n"); // the template itself is unchanged
        }
    }

    @Test
    void failedSpawnLeavesNothingBehind() throws Exception {
        try (Command c = helper("cat").stdin(Stdio.pipe()).stdout(Stdio.pipe()).build()) {
            SpawnOverrides missing = SpawnOverrides.none().withCwd(tmp.resolve("gone"));
            assertThatThrownBy(() -> c.spawn(missing))
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.step()).isEqualTo(SpawnStep.CHDIR);
                        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    })
                    .hasMessage("spawn " + Helper.path() + ": chdir " + tmp.resolve("gone") + " (action #0): ENOENT (No such file or directory)");
        } // LeakGuard: the pipes created for the failed spawn are closed
    }

    @Test
    void badConfigurationFailsTheBuildNamingTheKey() {
        assertThatThrownBy(() -> helper("exit", "0").cwd(tmp.resolve("gone")).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("Command.Builder.cwd(\"" + tmp.resolve("gone") + "\"): no such file or directory (ENOENT)");
        assertThatThrownBy(() -> helper().fd(9, 12345).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessage("Command.Builder.fd(9, 12345): not open (EBADF)");
    }

    @Test
    void misusedSettingsAreRefusedAtOnce() {
        assertThatThrownBy(() -> helper().stdout(Stdio.readFrom(tmp))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stdout cannot be a file to read");
        assertThatThrownBy(() -> helper().fd(3, Stdio.pipe())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fd 3 cannot be a pipe");
        assertThatThrownBy(() -> helper().stdin(Stdio.mergeWithStdout())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> helper().env("A=B", "c")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closedCommandRefusesToSpawn() throws Exception {
        Command c = helper("exit", "0").build();
        c.close();
        c.close();
        assertThatThrownBy(c::spawn).isInstanceOf(IllegalStateException.class).hasMessageContaining("the command is closed");
    }

    @Test
    void closeWaitsForNoChild() throws Exception {
        Command c = helper("sleep", "0.2").build();
        Child child = c.spawn();
        c.close(); // the child was already started: it runs on
        assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
        child.close();
    }
}
