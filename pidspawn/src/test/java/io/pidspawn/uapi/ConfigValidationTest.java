package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static io.pidspawn.uapi.Uapi.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * pidfd_config's validation, key by key: each bad input is refused at the call with its
 * documented errno and leaves one {@code e KEY: message (ERRNO)} line in the builder's log, the
 * log stays bounded, and a refused call never disturbs the configuration already in place. The
 * hazard: a bad value accepted at config time surfaces only at run (or in the child), far from
 * the call that caused it.
 */
@ExtendWith(LeakGuard.class)
class ConfigValidationTest {
    @TempDir
    Path tmp;

    private int b;

    @BeforeEach
    void open() throws ErrnoException {
        b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
    }

    @AfterEach
    void closeBuilder() throws ErrnoException {
        close(b);
    }

    /** Asserts the call fails with errno and appends exactly one log line for key ending in that errno. */
    private String refused(int errno, String key, ThrowingCallable call) throws ErrnoException {
        List<String> before = pidfd_config_log(b);
        assertErrno(errno, call);
        List<String> after = pidfd_config_log(b);
        assertThat(after).as("one new log line").hasSize(before.size() + 1);
        String line = after.getLast();
        assertThat(line).startsWith("e " + key + ": ").endsWith(" (" + Errno.name(errno) + ")");
        return line;
    }

    // ---- keys and commands ----

    @Test
    void unknownKeyIsEinval() throws Exception {
        assertThat(refused(Errno.EINVAL, "no-such-key",
                () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, "no-such-key", "x", 0)))
                .isEqualTo("e no-such-key: unknown key (EINVAL)");
        refused(Errno.EINVAL, "Executable", () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, "Executable", Helper.path(), 0));
    }

    @Test
    void aCommandTheKeyDoesNotTakeIsEinval() throws Exception {
        assertThat(refused(Errno.EINVAL, KEY_EXECUTABLE,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_EXECUTABLE, (String) null, 0)))
                .isEqualTo("e executable: command SET_FLAG does not apply to this key (EINVAL)");
        int devnull = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            assertThat(refused(Errno.EINVAL, KEY_ARGV,
                    () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_ARGV, (String) null, devnull)))
                    .isEqualTo("e argv: command SET_FD does not apply to this key (EINVAL)");
            refused(Errno.EINVAL, "fd.5", () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, "fd.5", "/dev/null", 0));
        } finally {
            Libc.close(devnull);
        }
        refused(Errno.EINVAL, KEY_ENV_CLEAR, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV_CLEAR, "yes", 0));
        refused(Errno.EINVAL, KEY_ARGV0, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV0, "a\0".getBytes(), 0));
        refused(Errno.EINVAL, KEY_INHERIT_FDS, () -> pidfd_config(b, 99, KEY_INHERIT_FDS, (String) null, 0));
    }

    @Test
    void emptyOrOverlongKeyAndMisshapenValuesAreEinval() throws Exception {
        refused(Errno.EINVAL, "", () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, "", (String) null, 0));
        String longKey = "k".repeat(257);
        refused(Errno.EINVAL, longKey, () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, longKey, (String) null, 0));
        assertThat(refused(Errno.EINVAL, KEY_INHERIT_FDS,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, "yes", 0)))
                .isEqualTo("e inherit-fds: SET_FLAG takes no value (EINVAL)");
        assertThat(refused(Errno.EINVAL, KEY_INHERIT_FDS,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, (String) null, 1)))
                .isEqualTo("e inherit-fds: SET_FLAG takes aux 0 (EINVAL)");
        assertThat(refused(Errno.EINVAL, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, (String) null, 0)))
                .isEqualTo("e argv: SET_STRING needs a value (EINVAL)");
        refused(Errno.EINVAL, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, "", AT_FDCWD));
    }

    // ---- string values ----

    @Test
    void nulByteInAStringValueIsEinval() throws Exception {
        assertThat(refused(Errno.EINVAL, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "a\0b", 0)))
                .isEqualTo("e argv: value contains a NUL byte (EINVAL)");
        refused(Errno.EINVAL, KEY_EXECUTABLE,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path() + "\0junk", 0));
        refused(Errno.EINVAL, KEY_ENV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "A=b\0c", 0));
        refused(Errno.EINVAL, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, "/tmp\0", 0));
    }

    @Test
    void stringOfMaxArgStrlenBytesIsE2bigAndOneLessIsAccepted() throws Exception {
        String longest = "a".repeat(131071);
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, longest, 0);
        assertThat(pidfd_config_log(b)).isEmpty();
        refused(Errno.E2BIG, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "a".repeat(131072), 0));
        refused(Errno.E2BIG, KEY_ENV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "A=" + "v".repeat(131070), 0));
        // A multi-byte character counts by its UTF-8 bytes, not its chars.
        refused(Errno.E2BIG, KEY_ARGV0, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV0, "\u00e9".repeat(65536), 0));
        // A SET_BINARY list element of that size is refused too.
        byte[] list = (("x".repeat(131072)) + "\0").getBytes(StandardCharsets.UTF_8);
        refused(Errno.E2BIG, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, list, 0));
    }

    @Test
    void pathOfPathMaxBytesIsE2big() throws Exception {
        String tooLong = "/" + "d".repeat(4095); // 4096 bytes; a path may have 4095
        refused(Errno.E2BIG, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tooLong, 0));
        refused(Errno.E2BIG, KEY_EXECUTABLE,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, tooLong.substring(1) + "x", AT_FDCWD));
        refused(Errno.E2BIG, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, tooLong, 0));
    }

    @Test
    void setBinaryListWithoutTrailingNulIsEinval() throws Exception {
        refused(Errno.EINVAL, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, "a\0b".getBytes(), 0));
    }

    // ---- fds ----

    @Test
    void setFdWithANegativeOrClosedFdIsEbadf() throws Exception {
        assertThat(refused(Errno.EBADF, "fd.5", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.5", (String) null, -1)))
                .isEqualTo("e fd.5: a negative fd (EBADF)");
        int closed = Uapi.closedFdNumber();
        assertThat(refused(Errno.EBADF, "fd.5", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.5", (String) null, closed)))
                .isEqualTo("e fd.5: not open (EBADF)");
        refused(Errno.EBADF, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_EXECUTABLE, (String) null, closed));
        refused(Errno.EBADF, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH_EMPTY, KEY_EXECUTABLE, (String) null, -5));
        refused(Errno.EBADF, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_CWD, (String) null, closed));
        refused(Errno.EBADF, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_CWD, "tmp", closed));
    }

    @Test
    void childFdAtOrBeyondRlimitNofileIsEbadfAndANonNumberIsEinval() throws Exception {
        long limit = Libc.getrlimitSoft(Libc.RLIMIT_NOFILE);
        assertThat(limit).isPositive().isLessThan(Integer.MAX_VALUE);
        int devnull = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            refused(Errno.EBADF, "fd." + limit, () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd." + limit, (String) null, devnull));
            refused(Errno.EBADF, "fd." + (limit + 1), () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd." + (limit + 1), (String) null, devnull));
            refused(Errno.EBADF, "fd.-1", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.-1", (String) null, devnull));
            assertThat(refused(Errno.EINVAL, "fd.abc", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.abc", (String) null, devnull)))
                    .isEqualTo("e fd.abc: \"abc\" is not a fd number (EINVAL)");
            refused(Errno.EINVAL, "fd.", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.", (String) null, devnull));
            refused(Errno.EINVAL, "fd.05", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.05", (String) null, devnull));
            // The highest allowed child fd is accepted (the limit itself is the first refused).
            pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd." + (limit - 1), (String) null, devnull);
        } finally {
            Libc.close(devnull);
        }
        assertThat(pidfd_config_log(b)).hasSize(6);
    }

    // ---- paths ----

    @Test
    void relativePathForSetStringIsEinvalForExecutableAndCwd() throws Exception {
        assertThat(refused(Errno.EINVAL, KEY_EXECUTABLE,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, "bin/true", 0)))
                .isEqualTo("e executable: a relative path where an absolute one is required (EINVAL)");
        assertThat(refused(Errno.EINVAL, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, "tmp", 0)))
                .isEqualTo("e cwd: a relative path where an absolute one is required (EINVAL)");
        refused(Errno.EINVAL, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, "", 0));
    }

    @Test
    void cwdThatIsAFileIsEnotdirAndMissingIsEnoent() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Path missing = tmp.resolve("missing");
        assertThat(refused(Errno.ENOTDIR, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, file.toString(), 0)))
                .isEqualTo("e cwd: not a directory (ENOTDIR)");
        refused(Errno.ENOENT, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, missing.toString(), 0));
        // The same through SET_PATH (opened now) and SET_FD.
        refused(Errno.ENOTDIR, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_CWD, file.toString(), AT_FDCWD));
        refused(Errno.ENOENT, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_CWD, missing.toString(), AT_FDCWD));
        int fileFd = Libc.openat(Libc.AT_FDCWD, file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            refused(Errno.ENOTDIR, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_CWD, (String) null, fileFd));
        } finally {
            Libc.close(fileFd);
        }
    }

    @Test
    void missingExecutableIsEnoentAndADirectoryIsEacces() throws Exception {
        Path missing = tmp.resolve("missing");
        refused(Errno.ENOENT, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, missing.toString(), 0));
        refused(Errno.ENOENT, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, "missing", AT_FDCWD));
        assertThat(refused(Errno.EACCES, KEY_EXECUTABLE,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tmp.toString(), 0)))
                .isEqualTo("e executable: not a regular file (EACCES)");
        int dirfd = Libc.openat(Libc.AT_FDCWD, tmp.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            refused(Errno.EACCES, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_EXECUTABLE, (String) null, dirfd));
        } finally {
            Libc.close(dirfd);
        }
        // Nothing was configured: a run has no executable.
        assertErrno(Errno.EINVAL, () -> pidfd_spawn_run(b, RunArgs.none()));
    }

    // ---- environment ----

    @Test
    void envEntryWithoutEqualsIsEinvalButTheEmptyNameIsAName() throws Exception {
        assertThat(refused(Errno.EINVAL, KEY_ENV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "NOEQUALS", 0)))
                .isEqualTo("e env: expected NAME=value (EINVAL)");
        // exec passes "=x" as it passes any string; the JDK gives it to children too
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "=x", 0);
        refused(Errno.EINVAL, KEY_ENV, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ENV, "A=1\0BAD\0".getBytes(), 0));
        assertThat(refused(Errno.EINVAL, KEY_ENV_UNSET, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV_UNSET, "A=b", 0)))
                .isEqualTo("e env.unset: not an environment variable name (one without '=', not empty) (EINVAL)");
        refused(Errno.EINVAL, KEY_ENV_UNSET, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV_UNSET, "", 0));
    }

    @Test
    void refusedEnvListLeavesTheEnvironmentAsItWas() throws Exception {
        configureHelper("getenv", "KEEP", ";", "getenv", "A");
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "KEEP=kept", 0);
        // The list's first entry is fine, its second is not: nothing of it may be applied.
        refused(Errno.EINVAL, KEY_ENV, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ENV, "A=1\0BAD\0".getBytes(), 0));
        assertThat(Uapi.capture(b).out()).isEqualTo("kept\n<unset>\n");
    }

    // ---- what works ----

    @Test
    void setPathRelativeToADirfdAndSetFdConfigureAWorkingExecutable() throws Exception {
        Path helper = Path.of(Helper.path());
        int dirfd = Libc.openat(Libc.AT_FDCWD, helper.getParent().toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int exefd = Libc.openat(Libc.AT_FDCWD, helper.toString(), Libc.O_PATH | Libc.O_CLOEXEC, 0);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_EXECUTABLE, helper.getFileName().toString(), dirfd);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(List.of("ps", "out", "by-path")), 0);
            Uapi.Result r = Uapi.capture(b);
            assertThat(r.out()).isEqualTo("by-path\n");
            assertThat(r.status()).isEqualTo(ExitStatus.exited(0));

            pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_EXECUTABLE, (String) null, exefd);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(List.of("ps", "out", "by-fd")), 0);
            assertThat(Uapi.capture(b).out()).isEqualTo("by-fd\n");
        } finally {
            Libc.close(dirfd);
            Libc.close(exefd);
        }
        // The builder holds its own references: closing ours did not break it.
        assertThat(Uapi.capture(b).out()).isEqualTo("by-fd\n");
        assertThat(pidfd_config_log(b)).isEmpty();
    }

    @Test
    void cwdBySetPathRelativeToADirfdWorks() throws Exception {
        Path sub = Files.createDirectory(tmp.resolve("sub"));
        int dirfd = Libc.openat(Libc.AT_FDCWD, tmp.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            configureHelper("cwd");
            pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_CWD, "sub", dirfd);
        } finally {
            Libc.close(dirfd);
        }
        assertThat(Uapi.capture(b).out()).isEqualTo(sub.toRealPath() + "\n");
    }

    // ---- the log ----

    @Test
    void logKeepsTheNewest64LinesAndDropsTheOldest() throws Exception {
        for (int i = 0; i < 70; i++) {
            String key = "bad" + i;
            assertErrno(Errno.EINVAL, () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, key, (String) null, 0));
        }
        List<String> log = pidfd_config_log(b);
        assertThat(log).hasSize(64);
        assertThat(log.getFirst()).isEqualTo("e bad6: unknown key (EINVAL)");
        assertThat(log.getLast()).isEqualTo("e bad69: unknown key (EINVAL)");
        List<String> expected = new ArrayList<>();
        for (int i = 6; i < 70; i++) {
            expected.add("e bad" + i + ": unknown key (EINVAL)");
        }
        assertThat(log).containsExactlyElementsOf(expected);
        // A successful call adds nothing.
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0);
        assertThat(pidfd_config_log(b)).isEqualTo(log);
    }

    @Test
    void logIsPerBuilder() throws Exception {
        int other = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            assertErrno(Errno.EINVAL, () -> pidfd_config(b, PIDFD_CONFIG_SET_FLAG, "nope", (String) null, 0));
            assertThat(pidfd_config_log(b)).hasSize(1);
            assertThat(pidfd_config_log(other)).isEmpty();
        } finally {
            close(other);
        }
    }

    // ---- a refusal changes nothing ----

    @Test
    void refusedExecutableLeavesTheGoodOneInPlace() throws Exception {
        configureHelper("out", "still-the-helper");
        assertThat(Uapi.capture(b).out()).isEqualTo("still-the-helper\n");
        refused(Errno.ENOENT, KEY_EXECUTABLE,
                () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tmp.resolve("missing").toString(), 0));
        refused(Errno.EACCES, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, "/", 0));
        refused(Errno.EINVAL, KEY_EXECUTABLE, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, "relative", 0));
        Uapi.Result r = Uapi.capture(b);
        assertThat(r.out()).isEqualTo("still-the-helper\n");
        assertThat(r.status()).isEqualTo(ExitStatus.exited(0));
    }

    @Test
    void refusedCwdAndArgvLeaveThePreviousValuesInPlace() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("good"));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        configureHelper("cwd", ";", "argv");
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, dir.toString(), 0);
        String expected = dir.toRealPath() + "\n" + String.join("\n", Helper.argv("cwd", ";", "argv")) + "\n";
        assertThat(Uapi.capture(b).out()).isEqualTo(expected);

        refused(Errno.ENOTDIR, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, file.toString(), 0));
        refused(Errno.ENOENT, KEY_CWD, () -> pidfd_config(b, PIDFD_CONFIG_SET_PATH, KEY_CWD, "missing", AT_FDCWD));
        refused(Errno.EINVAL, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, "x\0y".getBytes(), 0));
        refused(Errno.EINVAL, KEY_ARGV, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "x\0", 0));
        refused(Errno.E2BIG, KEY_ARGV0, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV0, "z".repeat(200000), 0));
        assertThat(Uapi.capture(b).out()).isEqualTo(expected);
    }

    @Test
    void refusedFdMappingLeavesTheEarlierMappingInPlace() throws Exception {
        Path data = Files.writeString(tmp.resolve("data"), "mapped-data");
        int fd = Libc.openat(Libc.AT_FDCWD, data.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            configureHelper("read-fd", "6");
            pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.6", (String) null, fd);
        } finally {
            Libc.close(fd);
        }
        int closed = Uapi.closedFdNumber();
        refused(Errno.EBADF, "fd.6", () -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.6", (String) null, closed));
        assertThat(Uapi.capture(b).out()).isEqualTo("mapped-data");
    }

    private void configureHelper(String... args) throws ErrnoException {
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0);
        pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(Helper.argv(args)), 0);
    }
}
