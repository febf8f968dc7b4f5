package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.testkit.Helper;
import io.pidspawn.SpawnException;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Spawned;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.Tag;

/**
 * Random sequences of open / config / run / close with random keys, commands, values and fds.
 * Whatever happens: no JVM crash, every failure an ErrnoException with a documented errno, every
 * refused config call on a live builder leaves exactly one log line, and after each sequence
 * (everything closed) no fd and no child is left.
 */
@Tag("slow")
class UapiFuzzTest {
    /** Every errno the UAPI documents for bad input or a failed step. */
    private static final Set<Integer> DOCUMENTED = Set.of(Errno.EINVAL, Errno.EBADF, Errno.E2BIG, Errno.ENOENT,
            Errno.EACCES, Errno.ENOTDIR, Errno.ESTALE, Errno.EPERM, Errno.ENOTTY, Errno.ESRCH, Errno.EBUSY, Errno.ENOEXEC,
            Errno.ENOTSUP, Errno.ECHILD);

    private static final List<String> KEYS = List.of(KEY_EXECUTABLE, KEY_ARGV, KEY_ARGV0, KEY_ENV, KEY_ENV_UNSET,
            KEY_ENV_CLEAR, KEY_CWD, "fd.3", "fd.0", "fd.-1", "fd.99999999", "fd.x", KEY_INHERIT_FDS, KEY_SEARCH,
            KEY_SEARCH_PATH, "setsid", "pgid", "sigmask", "sigdefault", "rlimit.NOFILE", "rlimit.BOGUS", "umask",
            "sched", "nice", "pdeathsig", "no-new-privs", "namespaces", "uid_map", "cgroup", "", "no-such-key");

    private static Set<Integer> fdsBefore;
    private static Set<Integer> childrenBefore;
    private static int pipeRead;
    private static int pipeWrite;

    @BeforeContainer
    static void snapshot() {
        new java.security.SecureRandom().nextBytes(new byte[8]); // the JVM keeps the random devices open once used
        io.pidspawn.internal.reaper.Reaper.get(); // the reaper's epoll fd and eventfd live as long as the JVM
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        pipeRead = p[0];
        pipeWrite = p[1];
        fdsBefore = Helper.openFds();
        childrenBefore = Helper.children();
    }

    @AfterContainer
    static void release() {
        Libc.close(pipeRead);
        Libc.close(pipeWrite);
    }

    /** Values a config call gets; the last is over every limit. */
    private static final List<String> VALUES = java.util.Arrays.asList(Helper.path(), "/bin/sh", "relative",
            "/no/such", "/tmp", "A=b", "=x", "NAME", "0", "-1", "1:2", "64:128", "022", "TERM,INT", "user", "other",
            "a\0b", "", null, "x".repeat(140_000));

    /** One step of a sequence: which call, with which random ingredients (value: an index, or random text). */
    record Op(int kind, int target, int cmd, String key, int value, String text, int aux, int actionKind) {
        String valueString() {
            return value < VALUES.size() ? VALUES.get(value) : text;
        }
    }

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<Integer> aux = Arbitraries.of(0, -1, -100, 0, 1, 2, 9999, -7);
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(-1, 7), Arbitraries.of(KEYS),
                Arbitraries.integers().between(0, VALUES.size()), Arbitraries.strings().ofMaxLength(40), aux,
                Arbitraries.integers().between(0, 6)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 100_000, seed = "20261128")
    void randomSequencesFailOnlyWithDocumentedErrnosAndLeakNothing(@ForAll("sequences") List<Op> ops) throws Exception {
        List<Integer> open = new ArrayList<>();
        List<Integer> pidfds = new ArrayList<>();
        try {
            for (Op op : ops) {
                int fd = open.isEmpty() ? 999 : open.get(op.target() % open.size());
                try {
                    switch (op.kind()) {
                        case 0 -> open.add(pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC));
                        case 1 -> open.add(pidfd_open(0, PIDFD_EMPTY));
                        case 2, 3, 4, 5 -> config(fd, op);
                        case 6, 7 -> {
                            // stdin from /dev/null: a shell must not read the test JVM's own stdin; stdout
                            // and stderr to /dev/null: the JVM's are surefire's channel and the build's output
                            Spawned s = pidfd_spawn_run(fd, RunArgs.of(SpawnAction.open(0, "/dev/null", O_RDONLY, 0),
                                    SpawnAction.open(1, "/dev/null", O_WRONLY, 0), SpawnAction.open(2, "/dev/null", O_WRONLY, 0),
                                    action(op.actionKind())));
                            if (s.pidfd() != fd) {
                                pidfds.add(s.pidfd());
                            }
                        }
                        case 8 -> {
                            if (!open.isEmpty()) {
                                closeAndReap(open.remove(op.target() % open.size()));
                            }
                        }
                        default -> pidfd_poll(fd, 0);
                    }
                } catch (ErrnoException e) {
                    assertThat(DOCUMENTED).as("undocumented errno: %s", e.getMessage()).contains(e.errno());
                }
            }
        } finally {
            for (int p : pidfds) {
                Libc.pidfdSendSignal(p, 9, 0);
                try {
                    pidfd_wait(p, 0);
                } catch (ErrnoException ignored) {
                    // not a child any more
                }
                PidfdSpawn.close(p);
            }
            for (int b : open) {
                closeAndReap(b);
            }
        }
        Set<Integer> leaked = new java.util.TreeSet<>(Helper.openFds());
        leaked.removeAll(fdsBefore);
        Set<Integer> closed = new java.util.TreeSet<>(fdsBefore);
        closed.removeAll(Helper.openFds());
        StringBuilder where = new StringBuilder();
        for (int fd : leaked) {
            try {
                where.append(fd).append("->").append(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd))).append(' ');
            } catch (java.io.IOException e) {
                where.append(fd).append("->? ");
            }
        }
        assertThat(leaked).as("fds left open: %s (and %s closed that were open)", where, closed).isEmpty();
        assertThat(Helper.children()).isEqualTo(childrenBefore);
    }

    /** Closes a builder, or a one-fd pidfd after reaping its child: at this level the caller reaps. */
    private static void closeAndReap(int fd) throws ErrnoException {
        if (Libc.pidfdSendSignal(fd, 9, 0) == 0) {
            try {
                pidfd_wait(fd, 0);
            } catch (ErrnoException reapedAlready) {
                // fine
            }
        }
        PidfdSpawn.close(fd);
    }

    private static void config(int fd, Op op) throws ErrnoException {
        int aux = op.aux() == 9999 ? pipeRead : op.aux();
        int before = logSize(fd);
        try {
            pidfd_config(fd, op.cmd(), op.key(), op.valueString(), aux);
        } catch (ErrnoException e) {
            if (before >= 0 && before < 64 && e.errno() != Errno.EBADF) {
                assertThat(logSize(fd)).as("a log line for %s", e.getMessage()).isEqualTo(before + 1);
            }
            throw e;
        }
    }

    private static int logSize(int fd) {
        try {
            return pidfd_config_log(fd).size();
        } catch (ErrnoException notABuilder) {
            return -1;
        }
    }

    private static SpawnAction action(int kind) {
        return switch (kind) {
            case 0 -> SpawnAction.dup2(pipeWrite, 1);
            case 1 -> SpawnAction.close(5);
            case 2 -> SpawnAction.closeRange(3, -1);
            case 3 -> SpawnAction.chdir("/no/such/dir");
            case 4 -> SpawnAction.open(0, "/dev/null", O_RDONLY, 0);
            case 5 -> SpawnAction.sigmask(10);
            default -> new SpawnAction.CloseRange(5, 3, 0);
        };
    }
}
