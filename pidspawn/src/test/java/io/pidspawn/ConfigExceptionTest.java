package io.pidspawn;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused setting surfaces as the public {@link ConfigException}, worded for the API that was
 * called (the Command.Builder method and its value, or pidfd_config with the key and value), with
 * the errno, and with the builder key still there for UAPI users.
 */
@ExtendWith(LeakGuard.class)
class ConfigExceptionTest {
    @TempDir
    Path tmp;

    private static Command.Builder helper() {
        return Command.builder(Helper.path()).args("exit", "0");
    }

    @Test
    void uapiNamesKeyValueProblemAndErrno() throws Exception {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "NOEQUALS", 0))
                    .isExactlyInstanceOf(ConfigException.class)
                    .hasMessage("pidfd_config env \"NOEQUALS\": expected NAME=value (EINVAL)")
                    .satisfies(t -> {
                        ConfigException e = (ConfigException) t;
                        assertThat(e.key()).isEqualTo("env");
                        assertThat(e.value()).isEqualTo("NOEQUALS");
                        assertThat(e.problem()).isEqualTo("expected NAME=value");
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.errnoName()).isEqualTo("EINVAL");
                    });
            assertThat(PidfdSpawn.pidfd_config_log(b)).containsExactly("e env: expected NAME=value (EINVAL)");
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, "umask", "999", 0))
                    .isExactlyInstanceOf(ConfigException.class)
                    .hasMessage("pidfd_config umask \"999\": expected an octal mode 000..777 (EINVAL)");
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_FD_PREFIX + "4", (String) null, 54321))
                    .isExactlyInstanceOf(ConfigException.class)
                    .hasMessage("pidfd_config fd.4 fd 54321: not open (EBADF)");
        } finally {
            PidfdSpawn.close(b);
        }
    }

    @Test
    void theJavaApiNamesTheMethodAndItsValue() {
        Path gone = tmp.resolve("gone");
        assertThatThrownBy(() -> helper().cwd(gone).build())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("Command.Builder.cwd(\"" + gone + "\"): no such file or directory (ENOENT)")
                .satisfies(t -> {
                    ConfigException e = (ConfigException) t;
                    assertThat(e.key()).isEqualTo(KEY_CWD);
                    assertThat(e.value()).isEqualTo(gone.toString());
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.setting()).isEqualTo("Command.Builder.cwd(\"" + gone + "\")");
                    // the builder's own wording stays available as the cause
                    assertThat(e.getCause()).isInstanceOf(ConfigException.class)
                            .hasMessage("pidfd_config cwd \"" + gone + "\": no such file or directory (ENOENT)");
                });
    }

    @Test
    void aFileIsNotAWorkingDirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> helper().cwd(file).build())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("Command.Builder.cwd(\"" + file + "\"): not a directory (ENOTDIR)");
    }

    @Test
    void aProgramNotInPathNamesTheProgramAndThePath() {
        assertThatThrownBy(() -> Command.builder("no-such-program-pidspawn").env("PATH", tmp.toString()).build())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("Command.builder(\"no-such-program-pidspawn\"): not found in PATH=" + tmp + " (ENOENT)")
                .satisfies(t -> assertThat(((ConfigException) t).key()).isEqualTo(KEY_SEARCH));
    }

    @Test
    void aProgramWithoutExecutePermissionSaysWhatToDo() throws Exception {
        Path data = Files.writeString(tmp.resolve("data"), "not a program");
        assertThatThrownBy(() -> Command.builder(data).build())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("Command.builder(\"" + data + "\"): no execute permission (chmod +x it, or run its interpreter"
                        + " with it as an argument) (EACCES)")
                .satisfies(t -> assertThat(((ConfigException) t).key()).isEqualTo(KEY_EXECUTABLE));
    }

    @Test
    void aClosedFdNamesTheFdCall() {
        assertThatThrownBy(() -> helper().fd(9, 12345).build())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("Command.Builder.fd(9, 12345): not open (EBADF)")
                .satisfies(t -> assertThat(((ConfigException) t).key()).isEqualTo("fd.9"));
    }

    @Test
    void aControllingTerminalThatIsNotOneIsEnotty() throws Exception {
        int devNull = io.pidspawn.internal.linux.Libc.openat(io.pidspawn.internal.linux.Libc.AT_FDCWD, "/dev/null",
                io.pidspawn.internal.linux.Libc.O_RDWR | io.pidspawn.internal.linux.Libc.O_CLOEXEC, 0);
        try {
            assertThatThrownBy(() -> helper().controllingTerminal(devNull).build())
                    .isExactlyInstanceOf(ConfigException.class)
                    .hasMessage("Command.Builder.controllingTerminal(" + devNull + "): not a terminal (ENOTTY)")
                    .satisfies(t -> assertThat(((ConfigException) t).key()).isEqualTo("ctty"));
        } finally {
            io.pidspawn.internal.linux.Libc.close(devNull);
        }
    }

    @Test
    void aMissingCgroupNamesTheCgroup() {
        Path root = io.pidspawn.internal.spawn.Cgroups.mountPoint();
        org.junit.jupiter.api.Assumptions.assumeTrue(root != null, "no cgroup2 file system mounted");
        assertThatThrownBy(() -> helper().cgroup("/pidspawn-no-such-cgroup").build())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("Command.Builder.cgroup(\"/pidspawn-no-such-cgroup\"): cannot open " + root
                        + "/pidspawn-no-such-cgroup as a directory: no such file or directory (ENOENT)");
    }

    @Test
    void restatingKeepsKeyValueErrnoAndProblem() {
        ConfigException uapi = new ConfigException("rlimit.NOFILE", "lots", Errno.EINVAL, "\"lots\" is not a limit");
        assertThat(uapi).hasMessage("pidfd_config rlimit.NOFILE \"lots\": \"lots\" is not a limit (EINVAL)");
        ConfigException cli = uapi.restate("--rlimit NOFILE=lots");
        assertThat(cli).hasMessage("--rlimit NOFILE=lots: \"lots\" is not a limit (EINVAL)").hasCause(uapi);
        assertThat(cli.key()).isEqualTo("rlimit.NOFILE");
        assertThat(cli.value()).isEqualTo("lots");
        assertThat(cli.errno()).isEqualTo(Errno.EINVAL);
        assertThat(cli.problem()).isEqualTo(uapi.problem());
    }
}
