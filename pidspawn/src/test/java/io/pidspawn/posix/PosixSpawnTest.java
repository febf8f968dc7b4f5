package io.pidspawn.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import io.pidspawn.posix.GlibcSpawn.Attr;
import io.pidspawn.posix.GlibcSpawn.Op;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.Spawned;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * posix_spawn on the builder gives the same observable result as glibc's posix_spawn for the
 * same inputs: every case runs through both (glibc called through FFM as the oracle) and the
 * errno, the child's output (its pid replaced by a token) and its wait status must match.
 */
@ExtendWith(LeakGuard.class)
class PosixSpawnTest {
    @TempDir
    Path tmp;

    private static final List<String> ENV = List.of("PATH=/usr/bin:/bin", "LANG=C");

    record Outcome(int errno, String out, int status) {}

    static Outcome viaGlibc(boolean search, String path, List<Op> ops, Attr attr, List<String> argv, List<String> env)
            throws Throwable {
        int[] pipe = pipe();
        List<Op> all = new ArrayList<>(List.of(new Op.Dup2(pipe[1], 1)));
        all.addAll(ops);
        GlibcSpawn.Result r;
        String out;
        try {
            try {
                r = GlibcSpawn.spawn(search, path, all, attr, argv, env);
            } finally {
                Libc.close(pipe[1]);
            }
            out = read(pipe[0]);
        } finally {
            Libc.close(pipe[0]);
        }
        if (r.errno() != 0) {
            return new Outcome(r.errno(), out, -1);
        }
        int status = GlibcSpawn.waitStatus(r.pid());
        return new Outcome(0, out.replaceAll("\\b" + r.pid() + "\\b", "PID"), status);
    }

    static Outcome viaPidspawn(boolean search, String path, List<Op> ops, Attr attr, List<String> argv, List<String> env)
            throws Exception {
        int[] pipe = pipe();
        Spawned child;
        try {
            FileActions fa = new FileActions().adddup2(pipe[1], 1);
            for (Op op : ops) {
                switch (op) {
                    case Op.Open o -> fa.addopen(o.fd(), o.path(), o.flags(), o.mode());
                    case Op.Close c -> fa.addclose(c.fd());
                    case Op.Dup2 d -> fa.adddup2(d.fd(), d.newfd());
                    case Op.Chdir c -> fa.addchdir(c.path());
                    case Op.Fchdir c -> fa.addfchdir(c.fd());
                    case Op.Closefrom c -> fa.addclosefrom(c.fd());
                    case Op.Tcsetpgrp c -> fa.addtcsetpgrp_np(c.fd());
                }
            }
            SpawnAttributes sa = new SpawnAttributes().setflags(attr.flags()).setpgroup(attr.pgroup())
                    .setsigmask(attr.sigmask()).setsigdefault(attr.sigdefault()).setschedpolicy(attr.policy())
                    .setschedparam(attr.priority());
            child = search ? PosixSpawn.posix_spawnp(path, fa, sa, argv, env) : PosixSpawn.posix_spawn(path, fa, sa, argv, env);
        } catch (ErrnoException e) {
            Libc.close(pipe[1]);
            String out = read(pipe[0]);
            Libc.close(pipe[0]);
            return new Outcome(e.errno(), out, -1);
        }
        Libc.close(pipe[1]);
        String out = read(pipe[0]);
        Libc.close(pipe[0]);
        var status = PidfdSpawn.pidfd_wait(child.pidfd(), 0);
        PidfdSpawn.close(child.pidfd());
        int raw = status.exited() ? status.code() << 8 : status.signal() | (status.coreDumped() ? 0x80 : 0);
        return new Outcome(0, out.replaceAll("\\b" + child.pid() + "\\b", "PID"), raw);
    }

    /** Runs a case through both and asserts they agree; returns the common outcome. */
    static Outcome same(boolean search, String path, List<Op> ops, Attr attr, List<String> argv) throws Throwable {
        return same(search, path, ops, attr, argv, ENV);
    }

    static Outcome same(boolean search, String path, List<Op> ops, Attr attr, List<String> argv, List<String> env)
            throws Throwable {
        Set<Integer> before = Helper.children();
        Outcome glibc = viaGlibc(search, path, ops, attr, argv, env);
        Outcome ours = viaPidspawn(search, path, ops, attr, argv, env);
        assertThat(ours).as("pidspawn vs glibc for %s %s %s", path, ops, attr).isEqualTo(glibc);
        assertThat(Helper.children()).isEqualTo(before);
        return ours;
    }

    static Outcome same(List<Op> ops, Attr attr, String... helperArgs) throws Throwable {
        return same(false, Helper.path(), ops, attr, Helper.argv(helperArgs));
    }

    @Test
    void plainSpawnWithArgvAndEnvp() throws Throwable {
        Outcome o = same(List.of(), Attr.NONE, "argv", ";", "env", ";", "exit", "3");
        assertThat(o.out()).contains("LANG=C");
        assertThat(o.status()).isEqualTo(3 << 8);
    }

    @Test
    void inheritableFdsReachTheChildAndTheMaskIsTheCallers() throws Throwable {
        int fd = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY, 0);
        try {
            Outcome o = same(List.of(), Attr.NONE, "fds", ";", "status", "SigBlk");
            assertThat(o.out()).contains(" " + fd);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void eachFileActionAlone() throws Throwable {
        Path input = Files.writeString(tmp.resolve("input"), "from a file\n");
        int dir = Libc.openat(Libc.AT_FDCWD, tmp.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int extra = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY, 0);
        int cloexec = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            assertThat(same(List.of(new Op.Open(0, input.toString(), Libc.O_RDONLY, 0)), Attr.NONE, "cat").out())
                    .isEqualTo("from a file\n");
            assertThat(same(List.of(new Op.Close(extra)), Attr.NONE, "fds").out()).doesNotContain(" " + extra + " ");
            assertThat(same(List.of(new Op.Dup2(extra, 9)), Attr.NONE, "fds").out()).contains(" 9");
            assertThat(same(List.of(new Op.Dup2(cloexec, cloexec)), Attr.NONE, "fds").out()).contains(" " + cloexec);
            assertThat(same(List.of(new Op.Chdir(tmp.toString())), Attr.NONE, "cwd").out()).isEqualTo(tmp.toRealPath() + "\n");
            assertThat(same(List.of(new Op.Fchdir(dir)), Attr.NONE, "cwd").out()).isEqualTo(tmp.toRealPath() + "\n");
            assertThat(same(List.of(new Op.Closefrom(3)), Attr.NONE, "fds").out()).isEqualTo("0 1 2\n");
            // Closing a fd the child does not have is not an error (POSIX.1-2024).
            same(List.of(new Op.Close(999)), Attr.NONE, "exit", "0");
        } finally {
            Libc.close(dir);
            Libc.close(extra);
            Libc.close(cloexec);
        }
    }

    @Test
    void actionsRunInOrder() throws Throwable {
        Path sub = Files.createDirectory(tmp.resolve("sub"));
        Files.writeString(sub.resolve("rel.txt"), "relative\n");
        int extra = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY, 0);
        try {
            // dup2 then close of the same fd: the copy survives, the original does not.
            String fds = same(List.of(new Op.Dup2(extra, 7), new Op.Close(extra)), Attr.NONE, "fds").out();
            assertThat(fds).contains(" 7").doesNotContain(" " + extra + " ");
            // open after chdir resolves a relative path in the new directory.
            assertThat(same(List.of(new Op.Chdir(sub.toString()), new Op.Open(0, "rel.txt", Libc.O_RDONLY, 0)), Attr.NONE, "cat").out())
                    .isEqualTo("relative\n");
            // close then dup2 from the closed fd fails.
            assertThat(same(List.of(new Op.Close(extra), new Op.Dup2(extra, 7)), Attr.NONE, "exit", "0").errno()).isEqualTo(Errno.EBADF);
        } finally {
            Libc.close(extra);
        }
    }

    @Test
    void eachAttributeAlone() throws Throwable {
        assertThat(same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETPGROUP, 0, 0, 0, 0, 0), "ids").out())
                .matches("\\d+ PID PID\n");
        assertThat(same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETSID, 0, 0, 0, 0, 0), "ids").out()).isEqualTo("PID PID PID\n");
        assertThat(same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETSIGMASK, 0, (1L << 9) | (1L << 11), 0, 0, 0),
                "status", "SigBlk").out()).isEqualTo("0000000000000a00\n");
        same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETSIGDEF, 0, 0, 1L << 9, 0, 0), "disposition", "10");
        same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_RESETIDS, 0, 0, 0, 0, 0), "status", "Uid");
        assertThat(same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETSCHEDULER, 0, 0, 0, SpawnAttributes.SCHED_OTHER, 0),
                "sched").out()).isEqualTo("0 0\n");
        if (io.pidspawn.testkit.Helper.ROOT) {
            assertThat(same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETSCHEDULER, 0, 0, 0, SpawnAttributes.SCHED_FIFO, 10),
                    "sched").out()).isEqualTo("1 10\n");
        }
        same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETSCHEDPARAM, 0, 0, 0, 0, 0), "sched");
    }

    @Test
    void attributesAndActionsCombined() throws Throwable {
        short flags = (short) (SpawnAttributes.POSIX_SPAWN_SETSID | SpawnAttributes.POSIX_SPAWN_SETSIGMASK
                | SpawnAttributes.POSIX_SPAWN_SETSCHEDULER);
        Outcome o = same(List.of(new Op.Chdir("/"), new Op.Closefrom(3)),
                new Attr(flags, 0, 1L << 14, 0, SpawnAttributes.SCHED_OTHER, 0),
                "ids", ";", "status", "SigBlk", ";", "sched", ";", "cwd", ";", "fds");
        assertThat(o.out()).isEqualTo("PID PID PID\n0000000000004000\n0 0\n/\n0 1 2\n");
    }

    @Test
    void errorsMatchGlibc() throws Throwable {
        Path data = Files.writeString(tmp.resolve("data"), "not executable");
        assertThat(same(List.of(new Op.Open(0, "/no/such/file", Libc.O_RDONLY, 0)), Attr.NONE, "exit", "0").errno())
                .isEqualTo(Errno.ENOENT);
        assertThat(same(List.of(new Op.Chdir("/no/such/dir")), Attr.NONE, "exit", "0").errno()).isEqualTo(Errno.ENOENT);
        assertThat(same(List.of(new Op.Dup2(1000, 5)), Attr.NONE, "exit", "0").errno()).isEqualTo(Errno.EBADF);
        assertThat(same(false, "/no/such/program", List.of(), Attr.NONE, List.of("x")).errno()).isEqualTo(Errno.ENOENT);
        assertThat(same(false, data.toString(), List.of(), Attr.NONE, List.of("x")).errno()).isEqualTo(Errno.EACCES);
        assertThat(same(true, "no-such-program-anywhere", List.of(), Attr.NONE, List.of("x")).errno()).isEqualTo(Errno.ENOENT);
        assertThat(same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_SETPGROUP, 999999, 0, 0, 0, 0), "exit", "0").errno())
                .isEqualTo(Errno.EPERM);
    }

    @Test
    void posixSpawnpSkipsANonExecutableEarlierPathEntry() throws Throwable {
        Path first = Files.createDirectory(tmp.resolve("a"));
        Path second = Files.createDirectory(tmp.resolve("b"));
        Files.writeString(first.resolve("pstool"), "#!/bin/sh\necho wrong\n"); // not executable
        Path tool = Files.writeString(second.resolve("pstool"), "#!/bin/sh\necho right $0\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        String saved = Libc.getenv("PATH");
        MethodHandle setenv = Native.call(Native.LIBC, "setenv",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            int r = (int) setenv.invokeExact(a.allocateFrom("PATH"), a.allocateFrom(first + ":" + second), 1);
            assertThat(same(true, "pstool", List.of(), Attr.NONE, List.of("pstool")).out())
                    .isEqualTo("right " + tool + "\n");
            r = (int) setenv.invokeExact(a.allocateFrom("PATH"), a.allocateFrom(first.toString()), 1);
            assertThat(same(true, "pstool", List.of(), Attr.NONE, List.of("pstool")).errno()).isEqualTo(Errno.EACCES);
            r = (int) setenv.invokeExact(a.allocateFrom("PATH"), a.allocateFrom(saved), 1);
        }
        assertThat(same(true, "sh", List.of(), Attr.NONE, List.of("sh", "-c", "echo found")).out()).isEqualTo("found\n");
    }

    @Test
    void aScriptSeesAsDollar0ThePathAsPassedNotItsRealPath() throws Throwable {
        Path script = Files.writeString(tmp.resolve("dollar0.sh"), "#!/bin/sh\necho \"$0\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(tmp.resolve("dollar0-link"), script);
        String viaLink = link.toString();
        assertThat(same(false, viaLink, List.of(), Attr.NONE, List.of("x")).out()).isEqualTo(viaLink + "\n");
        // Relative to the caller's directory, "./" kept as given.
        String relative = "./" + Path.of("").toAbsolutePath().relativize(link);
        assertThat(same(false, relative, List.of(), Attr.NONE, List.of("x")).out()).isEqualTo(relative + "\n");
        // After a chdir action, relative to where it leads; an absolute name is kept as given too.
        Op intoTmp = new Op.Chdir(tmp.toString());
        assertThat(same(false, "./dollar0-link", List.of(intoTmp), Attr.NONE, List.of("x")).out()).isEqualTo("./dollar0-link\n");
        assertThat(same(false, viaLink, List.of(intoTmp), Attr.NONE, List.of("x")).out()).isEqualTo(viaLink + "\n");
    }

    @Test
    void fdsTheCallerNeverOpenedAreEbadfThoughTheLibraryHoldsFdsThere() throws Throwable {
        // The lowest free numbers, where the kernel would put a builder or a pinned executable,
        // and the start of the range where the library keeps its own fds.
        List<Integer> free = new ArrayList<>();
        int[] outputPipe = pipe(); // each run's own output pipe takes these two
        for (int fd = 3; free.size() < 3; fd++) {
            if (Libc.fdFlags(fd) < 0) {
                free.add(fd);
            }
        }
        for (int fd = 1024; fd < 1040; fd++) {
            if (Libc.fdFlags(fd) < 0) {
                free.add(fd);
            }
        }
        Libc.close(outputPipe[0]);
        Libc.close(outputPipe[1]);
        for (int n : free) {
            assertThat(same(List.of(new Op.Dup2(n, n)), Attr.NONE, "fds").errno()).as("adddup2(%d, %d)", n, n).isEqualTo(Errno.EBADF);
            assertThat(same(List.of(new Op.Dup2(n, 0)), Attr.NONE, "cat").errno()).as("adddup2(%d, 0)", n).isEqualTo(Errno.EBADF);
            assertThat(same(List.of(new Op.Fchdir(n)), Attr.NONE, "cwd").errno()).as("addfchdir(%d)", n).isEqualTo(Errno.EBADF);
            same(List.of(new Op.Close(n)), Attr.NONE, "exit", "0");
        }
    }

    @Test
    void aFullFdTableStillSpawnsAsInGlibc() throws Throwable {
        // Fill the table up to a soft limit low enough to fill quickly, above the library's range.
        long[] saved = Libc.getrlimit(Libc.RLIMIT_NOFILE);
        long limit = 4096;
        org.junit.jupiter.api.Assumptions.assumeTrue(saved[1] == -1 || saved[1] >= limit, "hard RLIMIT_NOFILE below " + limit);
        MethodHandle setrlimit = Native.call(Native.LIBC, "setrlimit",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        Spawned warm = PosixSpawn.posix_spawn("/bin/true", null, null, List.of("true"), ENV); // no first use under the full table
        PidfdSpawn.pidfd_wait(warm.pidfd(), 0);
        PidfdSpawn.close(warm.pidfd());
        List<Integer> filler = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16, 8);
            rl.set(ValueLayout.JAVA_LONG, 0, limit);
            rl.set(ValueLayout.JAVA_LONG, 8, saved[1]);
            assertThat((int) setrlimit.invokeExact(Libc.RLIMIT_NOFILE, rl)).isZero();
            try {
                int fd;
                while ((fd = Libc.fcntl(0, Libc.F_DUPFD_CLOEXEC, 0)) >= 0) {
                    filler.add(fd);
                }
                assertThat(fd).isEqualTo(-Errno.EMFILE);
                GlibcSpawn.Result glibc = GlibcSpawn.spawn(false, "/bin/true", List.of(new Op.Open(1, "/dev/null", Libc.O_WRONLY, 0)),
                        Attr.NONE, List.of("true"), ENV);
                assertThat(glibc.errno()).as("glibc with no free fd").isZero();
                assertThat(GlibcSpawn.waitStatus(glibc.pid())).isZero();
                // addopen onto a busy target: closed first, so the open has a number to take.
                Spawned child = PosixSpawn.posix_spawn("/bin/true", new FileActions().addopen(1, "/dev/null", Libc.O_WRONLY, 0),
                        null, List.of("true"), ENV);
                assertThat(PidfdSpawn.pidfd_wait(child.pidfd(), 0).code()).isZero();
                PidfdSpawn.close(child.pidfd());
            } finally {
                filler.forEach(Libc::close);
                rl.set(ValueLayout.JAVA_LONG, 0, saved[0]);
                assertThat((int) setrlimit.invokeExact(Libc.RLIMIT_NOFILE, rl)).isZero();
            }
        }
        // and the library works after, without a broken class anywhere
        same(List.of(), Attr.NONE, "exit", "0");
    }

    @Test
    void addopenOntoABusyTargetClosesItFirstSoItWorksWithNoFreeFd() throws Throwable {
        // Fill every hole below some X, so that a limit of X leaves no fd to open.
        List<Integer> filler = new ArrayList<>();
        int x = 3;
        for (int fd = 3; fd < 1000; fd++) {
            if (Libc.fdFlags(fd) >= 0) {
                x = fd + 1;
            }
        }
        int fd;
        while ((fd = Libc.fcntl(0, Libc.F_DUPFD_CLOEXEC, 0)) < x) {
            filler.add(fd);
        }
        Libc.close(fd);
        long[] saved = Libc.getrlimit(Libc.RLIMIT_NOFILE);
        MethodHandle setrlimit = Native.call(Native.LIBC, "setrlimit",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        try (Arena a = Arena.ofConfined()) {
            // glibc: the caller's limit is X, its table full below it.
            MemorySegment rl = a.allocate(16, 8);
            rl.set(ValueLayout.JAVA_LONG, 0, x);
            rl.set(ValueLayout.JAVA_LONG, 8, saved[1]);
            GlibcSpawn.Result glibc;
            assertThat((int) setrlimit.invokeExact(Libc.RLIMIT_NOFILE, rl)).isZero();
            try {
                // (then fds from 3 up are closed, for the dynamic loader to have some)
                glibc = GlibcSpawn.spawn(false, "/bin/true", List.of(new Op.Open(1, "/dev/null", Libc.O_WRONLY, 0),
                        new Op.Closefrom(3)), Attr.NONE, List.of("true"), ENV);
            } finally {
                rl.set(ValueLayout.JAVA_LONG, 0, saved[0]);
                assertThat((int) setrlimit.invokeExact(Libc.RLIMIT_NOFILE, rl)).isZero();
            }
            assertThat(glibc.errno()).isZero();
            assertThat(GlibcSpawn.waitStatus(glibc.pid())).isZero();
            // pidspawn: the child's limit is X (set before the actions run), its table as full.
            int b = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
            try {
                PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_EXECUTABLE, "/bin/true", 0);
                PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_FLAG, PidfdSpawn.KEY_INHERIT_FDS, (String) null, 0);
                PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, "rlimit.NOFILE", Integer.toString(x), 0);
                Spawned child = PidfdSpawn.pidfd_spawn_run(b, io.pidspawn.uapi.RunArgs.of(
                        io.pidspawn.uapi.SpawnAction.open(1, "/dev/null", Libc.O_WRONLY, 0),
                        io.pidspawn.uapi.SpawnAction.closeRange(3, -1)));
                assertThat(PidfdSpawn.pidfd_wait(child.pidfd(), 0).code()).isZero();
                PidfdSpawn.close(child.pidfd());
            } finally {
                PidfdSpawn.close(b);
            }
        } finally {
            filler.forEach(Libc::close);
        }
    }

    @Test
    void envpArrivesExactlyAsGivenWithOrderAndDuplicates() throws Throwable {
        List<String> env = List.of("B=1", "A=2", "B=3", "PATH=/usr/bin:/bin");
        Outcome o = same(false, Helper.path(), List.of(), Attr.NONE, Helper.argv("env"), env);
        assertThat(o.out()).isEqualTo("B=1\nA=2\nB=3\nPATH=/usr/bin:/bin\n");
    }

    @Test
    void anEmptyArgvGivesArgcOneWithAnEmptyArgv0AsTheKernelDoesForGlibc() throws Throwable {
        Outcome o = same(false, Helper.path(), List.of(), Attr.NONE, List.of(), ENV);
        assertThat(o.out()).isEqualTo("argc 1 argv0 []\n");
        assertThat(o.status()).isEqualTo(98 << 8);
    }

    @Test
    void anyNumberOfFileActionsAsGlibcTakes() throws Throwable {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ops.add(new Op.Close(600 + i));
        }
        ops.add(new Op.Open(5, "/dev/null", Libc.O_RDONLY, 0));
        assertThat(same(ops, Attr.NONE, "fds").out()).contains(" 5");
    }

    @Test
    void posixSpawnpWhoseOnlyMatchIsADirectoryIsEacces() throws Throwable {
        Path dir = Files.createDirectory(tmp.resolve("d"));
        Files.createDirectory(dir.resolve("pstool-dir"));
        String saved = Libc.getenv("PATH");
        MethodHandle setenv = Native.call(Native.LIBC, "setenv",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            int r = (int) setenv.invokeExact(a.allocateFrom("PATH"), a.allocateFrom(dir.toString()), 1);
            try {
                assertThat(same(true, "pstool-dir", List.of(), Attr.NONE, List.of("pstool-dir")).errno()).isEqualTo(Errno.EACCES);
            } finally {
                r = (int) setenv.invokeExact(a.allocateFrom("PATH"), a.allocateFrom(saved), 1);
            }
        }
    }

    @Test
    void usevforkIsTheNoOpItIsInGlibcAndTheGettersReturnWhatWasSet() throws Throwable {
        same(List.of(), new Attr(SpawnAttributes.POSIX_SPAWN_USEVFORK, 0, 0, 0, 0, 0), "exit", "4");
        short flags = (short) (SpawnAttributes.POSIX_SPAWN_SETPGROUP | SpawnAttributes.POSIX_SPAWN_SETSIGMASK);
        SpawnAttributes a = new SpawnAttributes().setflags(flags).setpgroup(7).setsigmask(1L << 9).setsigdefault(1L << 14)
                .setschedpolicy(SpawnAttributes.SCHED_RR).setschedparam(5).setcgroup_np(42);
        assertThat(List.of(a.getflags(), a.getpgroup(), a.getsigmask(), a.getsigdefault(), a.getschedpolicy(), a.getschedparam(),
                a.getcgroup_np())).containsExactly(flags, 7, 1L << 9, 1L << 14, SpawnAttributes.SCHED_RR, 5, 42);
    }

    @Test
    void pidfdSpawnReturnsAPidfdForTheChild() throws Throwable {
        int pidfd = PosixSpawn.pidfd_spawn(Helper.path(), null, null, Helper.argv("exit", "5"), ENV);
        try {
            assertThat(PidfdSpawn.pidfd_wait(pidfd, 0).code()).isEqualTo(5);
        } finally {
            PidfdSpawn.close(pidfd);
        }
        pidfd = PosixSpawn.pidfd_spawnp("sh", null, null, List.of("sh", "-c", "exit 6"), ENV);
        try {
            assertThat(PidfdSpawn.pidfd_wait(pidfd, 0).code()).isEqualTo(6);
        } finally {
            PidfdSpawn.close(pidfd);
        }
    }

    @Test
    void setcgroupStartsTheChildInTheCgroup() throws Throwable {
        Path root = Path.of("/sys/fs/cgroup/unified");
        if (!Helper.ROOT || !Files.isRegularFile(root.resolve("cgroup.procs"))) {
            System.out.println("setcgroupStartsTheChildInTheCgroup: skipped, needs root and cgroup2 at " + root);
            return;
        }
        Path cg = Files.createDirectory(root.resolve("pidspawn-conform-" + ProcessHandle.current().pid()));
        int dir = Libc.openat(Libc.AT_FDCWD, cg.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            int[] pipe = pipe();
            Spawned child;
            try {
                child = PosixSpawn.posix_spawn(Helper.path(), new FileActions().adddup2(pipe[1], 1),
                        new SpawnAttributes().setflags(SpawnAttributes.POSIX_SPAWN_SETCGROUP).setcgroup_np(dir),
                        Helper.argv("cgroup"), ENV);
            } finally {
                Libc.close(pipe[1]);
            }
            String out = read(pipe[0]);
            Libc.close(pipe[0]);
            PidfdSpawn.pidfd_wait(child.pidfd(), 0);
            PidfdSpawn.close(child.pidfd());
            assertThat(out).contains("0::/" + cg.getFileName());
        } finally {
            Libc.close(dir);
            Files.delete(cg);
        }
    }

    @Test
    void aFirstSpawnWithNoFreeFdWorksOnceTheClassIsInitialised() throws Throwable {
        // glibc's posix_spawn needs no free fd; here the reserve taken at class initialisation covers it.
        assertThat(firstSpawnWithNoFreeFd("initialised")).contains("full: true\nfirst: exit 0\nagain: exit 0\nfreed: exit 0\n");
        // Initialised only when the table is already full, the class has no reserve: EMFILE until fds are freed.
        assertThat(firstSpawnWithNoFreeFd()).contains("full: true\nfirst: EMFILE\nagain: EMFILE\nfreed: exit 0\n");
    }

    /** Runs {@link FirstSpawnWithNoFreeFd} in a JVM of its own, where nothing of the library is initialised yet. */
    private static String firstSpawnWithNoFreeFd(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                FirstSpawnWithNoFreeFd.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void aRelativePathAfterAChdirActionIsResolvedInTheNewDirectory() throws Throwable {
        // sub/prog exists only under the directory the actions change to, not where the caller is.
        Path dir = Files.createDirectories(tmp.resolve("there/sub")).getParent();
        Files.copy(Path.of(Helper.path()), dir.resolve("sub/prog"));
        assertThat(Files.exists(Path.of("sub/prog"))).isFalse();
        int dirFd = Libc.openat(Libc.AT_FDCWD, dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            String cwd = dir.toRealPath() + "\n";
            assertThat(same(false, "sub/prog", List.of(new Op.Chdir(dir.toString())), Attr.NONE, List.of("prog", "cwd")).out())
                    .isEqualTo(cwd);
            assertThat(same(false, "./sub/prog", List.of(new Op.Fchdir(dirFd)), Attr.NONE, List.of("prog", "cwd")).out())
                    .isEqualTo(cwd);
            assertThat(same(false, "sub/none", List.of(new Op.Chdir(dir.toString())), Attr.NONE, List.of("x")).errno())
                    .isEqualTo(Errno.ENOENT);
            Files.writeString(dir.resolve("sub/data"), "not a program");
            assertThat(same(false, "sub/data", List.of(new Op.Chdir(dir.toString())), Attr.NONE, List.of("x")).errno())
                    .isEqualTo(Errno.EACCES);
        } finally {
            Libc.close(dirFd);
        }
    }

    @Test
    void addtcsetpgrpFailsAndSucceedsAsGlibcs() throws Throwable {
        int devnull = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            assertThat(same(List.of(new Op.Tcsetpgrp(devnull)), Attr.NONE, "exit", "0").errno()).isEqualTo(Errno.ENOTTY);
            assertThat(same(List.of(new Op.Tcsetpgrp(900)), Attr.NONE, "exit", "0").errno()).isEqualTo(Errno.EBADF);
        } finally {
            Libc.close(devnull);
        }
        int tty = Libc.openat(Libc.AT_FDCWD, "/dev/tty", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        if (tty < 0) {
            System.out.println("addtcsetpgrpFailsAndSucceedsAsGlibcs: no controlling terminal, success case skipped");
            return;
        }
        try {
            // glibc's tst-spawn6: a child in a group of its own takes the terminal ("ctty" prints its foreground group).
            same(List.of(new Op.Tcsetpgrp(tty)), new Attr(SpawnAttributes.POSIX_SPAWN_SETPGROUP, 0, 0, 0, 0, 0), "ctty");
        } finally {
            Libc.close(tty);
        }
    }

    @Test
    void badFdsAreRefusedWhenTheActionIsAdded() {
        FileActions fa = new FileActions();
        assertThatThrownBy(() -> fa.addclose(-1)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> fa.adddup2(1, 1 << 24)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> fa.addopen(-3, "/x", 0, 0)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> new SpawnAttributes().setflags((short) 0x4000)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> new SpawnAttributes().setschedpolicy(SpawnAttributes.SCHED_BATCH))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    private static int[] pipe() {
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        assertThat(p).hasSize(2);
        return p;
    }

    private static String read(int fd) {
        StringBuilder s = new StringBuilder();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n;
            while ((n = Libc.read(fd, buf, 4096)) > 0 || n == -4) {
                if (n > 0) {
                    s.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                }
            }
        }
        return s.toString();
    }
}
