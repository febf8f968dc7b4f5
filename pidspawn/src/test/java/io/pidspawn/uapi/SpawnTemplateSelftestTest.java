package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 17 behaviours of the spawn-template proposal's selftest (tools/testing/selftests/exec/
 * spawn_template.c), adapted to the builder: where pidspawn deliberately differs (scripts run,
 * writes are never denied, actions are per-run only) the test shows pidspawn's behaviour.
 */
@ExtendWith(LeakGuard.class)
class SpawnTemplateSelftestTest {
    @TempDir
    Path tmp;

    @Test
    void basicSpawnExitsZero() throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            assertThat(Uapi.capture(b).status()).isEqualTo(ExitStatus.exited(0));
        } finally {
            close(b);
        }
    }

    @Test
    void relativeExecutablePathIsRejected() throws Exception {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, "true", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessage("pidfd_config executable \"true\": a relative path where an absolute one is required (EINVAL)");
            assertThat(pidfd_config_log(b)).containsExactly(
                    "e executable: a relative path where an absolute one is required (EINVAL)");
        } finally {
            close(b);
        }
    }

    @Test
    void executableWithoutExecPermissionIsEacces() throws Exception {
        Path file = Files.copy(Path.of(Helper.path()), tmp.resolve("noexec"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        int fd = Libc.openat(Libc.AT_FDCWD, file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_EXECUTABLE, (String) null, fd))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, file.toString(), 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
            assertThat(pidfd_config_log(b)).hasSize(2).allMatch(l -> l.startsWith("e executable: no execute permission (") && l.endsWith(") (EACCES)"));
        } finally {
            close(b);
            Libc.close(fd);
        }
    }

    @Test
    void fdsAboveStderrAreClosedByDefault() throws Exception {
        int leaky = Uapi.openInheritable("/dev/null");
        int b = Uapi.helper("fds");
        try {
            assertThat(Libc.fdFlags(leaky) & Libc.FD_CLOEXEC).isZero();
            assertThat(Uapi.capture(b).out()).isEqualTo("0 1 2\n");
        } finally {
            close(b);
            Libc.close(leaky);
        }
    }

    @Test
    void closeRangeToMaxClosesAnInheritableFd() throws Exception {
        int leaky = Uapi.openInheritable("/dev/null");
        int b = Uapi.helper("fds");
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, (String) null, 0);
            // Without the action the fd reaches the child (inherit-fds), so the action is what closes it.
            assertThat(fds(Uapi.capture(b).out())).contains(leaky);
            assertThat(fds(Uapi.capture(b, RunArgs.of(SpawnAction.closeRange(leaky, -1))).out())).doesNotContain(leaky);
        } finally {
            close(b);
            Libc.close(leaky);
        }
    }

    @Test
    void dup2OfPipesOntoStdoutAndStderrCarriesExactOutput() throws Exception {
        int b = Uapi.helper("out", "stdout-token", ";", "err", "stderr-token");
        try {
            Uapi.Result r = Uapi.capture(b);
            assertThat(r.out()).isEqualTo("stdout-token\n");
            assertThat(r.err()).isEqualTo("stderr-token\n");
            assertThat(r.status().success()).isTrue();
        } finally {
            close(b);
        }
    }

    @Test
    void openActionPlacesAFileOnStdin() throws Exception {
        Path input = Files.writeString(tmp.resolve("input"), "open-action-token\n");
        int b = Uapi.helper("cat");
        try {
            Uapi.Result r = Uapi.capture(b, RunArgs.of(SpawnAction.open(0, input.toString(), O_RDONLY, 0)));
            assertThat(r.out()).isEqualTo("open-action-token\n");
        } finally {
            close(b);
        }
    }

    @Test
    void fchdirActionSetsTheWorkingDirectory() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("work dir"));
        int dirfd = Libc.openat(Libc.AT_FDCWD, dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int b = Uapi.helper("cwd");
        try {
            assertThat(Uapi.capture(b, RunArgs.of(SpawnAction.fchdir(dirfd))).out())
                    .isEqualTo(dir.toRealPath() + "\n");
        } finally {
            close(b);
            Libc.close(dirfd);
        }
    }

    @Test
    void sigmaskActionBlocksTheSignalInTheChild() throws Exception {
        int b = Uapi.helper("status", "SigBlk");
        try {
            long blocked = Long.parseUnsignedLong(Uapi.capture(b, RunArgs.of(SpawnAction.sigmask(10))).out().trim(), 16);
            assertThat(blocked).isEqualTo(1L << 9);
        } finally {
            close(b);
        }
    }

    @Test
    void sigdefaultActionResetsAnIgnoredSignal() throws Throwable {
        // SIGUSR1 is not one of HotSpot's signals, so ignoring it for a moment is harmless.
        MethodHandle signal = Native.call(Native.LIBC, "signal",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        MemorySegment previous = (MemorySegment) signal.invokeExact(10, MemorySegment.ofAddress(1)); // SIG_IGN
        int b = Uapi.helper("disposition", "10");
        try {
            assertThat(Uapi.capture(b).out()).isEqualTo("ignore\n");
            assertThat(Uapi.capture(b, RunArgs.of(SpawnAction.sigdefault(10))).out()).isEqualTo("default\n");
        } finally {
            close(b);
            MemorySegment ignored = (MemorySegment) signal.invokeExact(10, previous);
        }
    }

    @Test
    void inheritFdsKeepsAnInheritableFd() throws Exception {
        int kept = Uapi.openInheritable("/dev/null");
        int b = Uapi.helper("fds");
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, (String) null, 0);
            assertThat(fds(Uapi.capture(b).out())).contains(kept);
        } finally {
            close(b);
            Libc.close(kept);
        }
    }

    @Test
    void waitThroughThePidfd() throws Exception {
        int exits = Uapi.helper("exit", "7");
        int killed = Uapi.helper("kill-self", "15");
        try {
            Spawned child = pidfd_spawn_run(exits, RunArgs.none());
            assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(7));
            close(child.pidfd());
            child = pidfd_spawn_run(killed, RunArgs.none());
            assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.killed(15, false));
            close(child.pidfd());
        } finally {
            close(exits);
            close(killed);
        }
    }

    @Test
    void malformedActionIsRejectedBeforeAnyChild() throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            var before = Helper.children();
            assertThatThrownBy(() -> pidfd_spawn_run(b, RunArgs.of(new SpawnAction.CloseRange(3, -1, 0x40))))
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
                        assertThat(e.actionIndex()).isZero();
                    });
            assertThat(Helper.children()).isEqualTo(before);
        } finally {
            close(b);
        }
    }

    @Test
    void scriptsRunWithTheirRealPathAsArgvZeroOfTheInterpreter() throws Exception {
        Path script = tmp.resolve("hello.sh");
        Files.writeString(script, "#!/bin/sh\necho \"script-ran $0 $1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, script.toString(), 0);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(List.of("hello", "arg1")), 0);
            assertThat(Uapi.capture(b).out()).isEqualTo("script-ran " + script.toRealPath() + " arg1\n");
        } finally {
            close(b);
        }
    }

    @Test
    void writingTheExecutableIsAllowedAndTheNextRunIsStale() throws Exception {
        Path tool = Files.copy(Path.of(Helper.path()), tmp.resolve("tool"));
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tool.toString(), 0);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(List.of("tool", "exit", "0")), 0);
            assertThat(Uapi.capture(b).status().success()).isTrue();
            Files.write(tool, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND); // never ETXTBSY
            assertStale(b);
        } finally {
            close(b);
        }
    }

    @Test
    void chmodMakesTheNextRunStale() throws Exception {
        Path tool = Files.copy(Path.of(Helper.path()), tmp.resolve("tool"));
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tool.toString(), 0);
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
            assertStale(b);
        } finally {
            close(b);
        }
    }

    @Test
    void renameOverMakesTheOldBuilderStaleAndANewOneWorks() throws Exception {
        Path tool = Files.copy(Path.of(Helper.path()), tmp.resolve("tool"));
        Path update = Files.copy(Path.of(Helper.path()), tmp.resolve("tool.new"));
        int old = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        int fresh = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(old, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tool.toString(), 0);
            Files.move(update, tool, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertStale(old);
            pidfd_config(fresh, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tool.toString(), 0);
            pidfd_config(fresh, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(List.of("tool", "exit", "0")), 0);
            assertThat(Uapi.capture(fresh).status().success()).isTrue();
        } finally {
            close(old);
            close(fresh);
        }
    }

    static void assertStale(int builder) {
        var before = Helper.children();
        assertThatThrownBy(() -> pidfd_spawn_run(builder, RunArgs.none()))
                .isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ESTALE);
                    assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
                })
                .hasMessageContaining("executable changed since it was configured");
        assertThat(Helper.children()).isEqualTo(before);
    }

    static List<Integer> fds(String listing) {
        return java.util.Arrays.stream(listing.trim().split(" ")).map(Integer::parseInt).toList();
    }
}
