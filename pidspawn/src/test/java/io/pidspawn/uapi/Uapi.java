package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.internal.linux.Libc;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small conveniences over the C-shaped UAPI for tests. */
public final class Uapi {
    private Uapi() {}

    /** A builder for the test helper with the given helper arguments. */
    public static int helper(String... args) throws ErrnoException {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0);
        pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, nulList(Helper.argv(args)), 0);
        return b;
    }

    public static byte[] nulList(List<String> items) {
        StringBuilder s = new StringBuilder();
        for (String i : items) {
            s.append(i).append('\0');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a run printed on stdout and stderr, and how it ended. */
    public record Result(String out, String err, ExitStatus status) {}

    /** Runs the builder with stdout and stderr on pipes, then the given actions, and waits. */
    public static Result capture(int builder, RunArgs args) throws ErrnoException {
        int[] out = pipe();
        int[] err = pipe();
        try {
            List<SpawnAction> actions = new ArrayList<>();
            actions.add(SpawnAction.dup2(out[1], 1));
            actions.add(SpawnAction.dup2(err[1], 2));
            actions.addAll(args.actions());
            Spawned child = pidfd_spawn_run(builder, args.withActions(actions));
            Libc.close(out[1]);
            out[1] = -1;
            Libc.close(err[1]);
            err[1] = -1;
            String o = readAll(out[0]);
            String e = readAll(err[0]);
            ExitStatus status = pidfd_wait(child.pidfd(), 0);
            close(child.pidfd());
            return new Result(o, e, status);
        } finally {
            for (int fd : new int[] {out[0], out[1], err[0], err[1]}) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
        }
    }

    public static Result capture(int builder) throws ErrnoException {
        return capture(builder, RunArgs.none());
    }

    public static int[] pipe() {
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        if (p.length != 2) {
            throw new IllegalStateException("pipe2: " + p[0]);
        }
        return p;
    }

    /** Reads a fd to end of file (the small outputs of the helper). */
    public static String readAll(int fd) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(65536);
            long n;
            while ((n = Libc.read(fd, buf, buf.byteSize())) != 0) {
                if (n == -4) {
                    continue;
                }
                if (n < 0) {
                    throw new IllegalStateException("read: " + n);
                }
                bytes.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    public static void write(int fd, String text) {
        try (Arena a = Arena.ofConfined()) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            Libc.write(fd, a.allocateFrom(ValueLayout.JAVA_BYTE, b), b.length);
        }
    }

    /** Opens a file without close-on-exec: the kind of fd the default close must catch. */
    public static int openInheritable(String path) {
        int fd = Libc.openat(Libc.AT_FDCWD, path, Libc.O_RDONLY, 0);
        if (fd < 0) {
            throw new IllegalStateException("open " + path + ": " + fd);
        }
        return fd;
    }

    /**
     * Asserts that call throws an ErrnoException with this errno (compared by name, so a failure
     * reads "EBADF" rather than "9") and returns it for further checks.
     */
    public static ErrnoException assertErrno(int errno, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected %s", Errno.name(errno)).isInstanceOf(ErrnoException.class);
        ErrnoException e = (ErrnoException) t;
        assertThat(Errno.name(e.errno())).as("errno of: %s", e.getMessage()).isEqualTo(Errno.name(errno));
        return e;
    }

    /** A fd number that is certainly not open now: far above what the JVM uses, just closed. */
    public static int closedFdNumber() {
        int fd = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int high = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, 900);
        Libc.close(fd);
        Libc.close(high);
        if (high < 900 || Libc.fdFlags(high) >= 0) {
            throw new IllegalStateException("no closed fd number: " + high);
        }
        return high;
    }

    /** Waits for a child, closes its pidfd, and returns how it ended. */
    public static ExitStatus waitAndClose(Spawned child) throws ErrnoException {
        try {
            return pidfd_wait(child.pidfd(), 0);
        } finally {
            close(child.pidfd());
        }
    }
}
