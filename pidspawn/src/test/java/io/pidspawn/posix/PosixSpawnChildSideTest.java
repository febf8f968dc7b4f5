package io.pidspawn.posix;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Errno;
import io.pidspawn.Stdio;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import io.pidspawn.internal.linux.Native;
import io.pidspawn.posix.GlibcSpawn.Attr;
import io.pidspawn.posix.GlibcSpawn.Op;
import io.pidspawn.posix.PosixSpawnTest.Outcome;
import io.pidspawn.testkit.Helper;
import io.pidspawn.uapi.PidfdSpawn;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What glibc's posix_spawn leaves to its child, side by side with glibc's (through FFM): the
 * PATH search of posix_spawnp, which glibc does in the child after the file actions (so empty
 * and relative entries name the directory the actions lead to), with execvp's errno rules;
 * envp strings passed to exec untouched; and fds the caller never opened, EBADF in every file
 * action though the library keeps fds of its own at such numbers.
 */
@ExtendWith(LeakGuard.class)
class PosixSpawnChildSideTest {
    private static final String NAME = "ps-search-prog";
    private static final MethodHandle SETENV = Native.call(Native.LIBC, "setenv",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle UNSETENV = Native.call(Native.LIBC, "unsetenv",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    @TempDir
    Path tmp;
    private String savedPath;

    @BeforeEach
    void savePath() {
        savedPath = Libc.getenv("PATH");
    }

    @AfterEach
    void restorePath() throws Throwable {
        setPath(savedPath);
    }

    /** The C library's PATH, which posix_spawnp searches (glibc's and pidspawn's alike); null unsets it. */
    private static void setPath(String path) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            int r = path == null ? (int) UNSETENV.invokeExact(a.allocateFrom("PATH"))
                    : (int) SETENV.invokeExact(a.allocateFrom("PATH"), a.allocateFrom(path), 1);
            assertThat(r).isZero();
        }
    }

    private static Path script(Path file, String echo) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\necho " + echo + " \"$0\" \"$(pwd)\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static Outcome spawnp(String path, List<Op> ops) throws Throwable {
        setPath(path);
        return PosixSpawnTest.same(true, NAME, ops, Attr.NONE, List.of(NAME));
    }

    @Test
    void emptyDotAndRelativePathEntriesAreSearchedWhereTheFileActionsLead() throws Throwable {
        Path there = Files.createDirectory(tmp.resolve("there"));
        String cwd = there.toRealPath().toString();
        script(there.resolve(NAME), "top");
        script(there.resolve("rel").resolve(NAME), "rel");
        Op chdir = new Op.Chdir(there.toString());
        assertThat(spawnp("", List.of(chdir)).out()).isEqualTo("top " + NAME + " " + cwd + "\n");
        assertThat(spawnp(".", List.of(chdir)).out()).isEqualTo("top ./" + NAME + " " + cwd + "\n");
        assertThat(spawnp("rel", List.of(chdir)).out()).isEqualTo("rel rel/" + NAME + " " + cwd + "\n");
        assertThat(spawnp("/no/such/dir::/usr/bin", List.of(chdir)).out()).isEqualTo("top " + NAME + " " + cwd + "\n");
        assertThat(spawnp("/usr/bin:rel", List.of(chdir)).out()).isEqualTo("rel rel/" + NAME + " " + cwd + "\n");
        int dirFd = Libc.openat(Libc.AT_FDCWD, there.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            assertThat(spawnp("./rel", List.of(new Op.Fchdir(dirFd))).out()).isEqualTo("rel ./rel/" + NAME + " " + cwd + "\n");
        } finally {
            Libc.close(dirFd);
        }
        // Without a chdir action the entries name the caller's directory, where none of these is.
        assertThat(spawnp(":.:rel", List.of()).errno()).isEqualTo(Errno.ENOENT);
    }

    @Test
    void aRelativeEntryNeverRunsTheCallersFileOfThatNameWhenAnActionChangesDirectory() throws Throwable {
        // The same relative entry names a file in the caller's directory and another where the
        // chdir action leads: glibc runs the second, and so must pidspawn.
        String rel = "target/ps-search-" + UUID.randomUUID();
        Path callers = Path.of(rel).toAbsolutePath();
        script(callers.resolve(NAME), "callers");
        try {
            Path there = Files.createDirectory(tmp.resolve("there"));
            script(there.resolve(rel).resolve(NAME), "there");
            String out = spawnp(rel, List.of(new Op.Chdir(there.toString()))).out();
            assertThat(out).isEqualTo("there " + rel + "/" + NAME + " " + there.toRealPath() + "\n");
            assertThat(spawnp(rel, List.of()).out()).startsWith("callers " + rel + "/" + NAME + " ");
        } finally {
            Files.delete(callers.resolve(NAME));
            Files.delete(callers);
        }
    }

    @Test
    void searchErrnosFollowExecvpAcrossAbsoluteAndRelativeEntries() throws Throwable {
        Path denied = Files.createDirectory(tmp.resolve("denied"));
        Files.writeString(denied.resolve(NAME), "#!/bin/sh\necho denied\n"); // not executable
        Path ok = tmp.resolve("ok");
        script(ok.resolve(NAME), "ok");
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        Path loop = Files.createDirectory(tmp.resolve("loop"));
        Files.createSymbolicLink(loop.resolve(NAME), Path.of(NAME)); // a link to itself: ELOOP
        Op intoTmp = new Op.Chdir(tmp.toString());
        // EACCES when a candidate was denied and none ran, whichever side of the relative entry it was on.
        assertThat(spawnp(denied + ":missing", List.of(intoTmp)).errno()).isEqualTo(Errno.EACCES);
        assertThat(spawnp("missing:denied", List.of(intoTmp)).errno()).isEqualTo(Errno.EACCES);
        assertThat(spawnp(denied + ":/no/such", List.of()).errno()).isEqualTo(Errno.EACCES);
        // A denied candidate does not end the search.
        assertThat(spawnp("denied:" + ok, List.of(intoTmp)).out()).startsWith("ok " + ok + "/" + NAME);
        assertThat(spawnp(denied + ":ok", List.of(intoTmp)).out()).startsWith("ok ok/" + NAME);
        assertThat(spawnp(denied + ":" + ok + "/", List.of()).out()).startsWith("ok " + ok + "//" + NAME);
        // A script whose interpreter is missing fails to exec with ENOENT, which passes the turn on.
        Path badInterpreter = Files.createDirectory(tmp.resolve("bad-interpreter"));
        Files.writeString(badInterpreter.resolve(NAME), "#!/no/such/interpreter\n");
        Files.setPosixFilePermissions(badInterpreter.resolve(NAME), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(spawnp(badInterpreter + ":" + ok, List.of()).out()).startsWith("ok " + ok + "/" + NAME);
        assertThat(spawnp(badInterpreter + ":/no/such", List.of()).errno()).isEqualTo(Errno.ENOENT);
        assertThat(spawnp(denied + ":" + badInterpreter, List.of()).errno()).isEqualTo(Errno.EACCES);
        // Otherwise the last candidate's errno: a PATH entry that is a file gives ENOTDIR.
        assertThat(spawnp("/no/such:" + file, List.of()).errno()).isEqualTo(Errno.ENOTDIR);
        assertThat(spawnp("/no/such:plain-file", List.of(intoTmp)).errno()).isEqualTo(Errno.ENOTDIR);
        // Any other error ends the search with it, before a later entry that would run.
        assertThat(spawnp(loop + ":" + ok, List.of()).errno()).isEqualTo(Errno.ELOOP);
        assertThat(spawnp("loop:" + ok, List.of(intoTmp)).errno()).isEqualTo(Errno.ELOOP);
        setPath(ok.toString());
        assertThat(PosixSpawnTest.same(true, "x".repeat(256), List.of(), Attr.NONE, List.of("x")).errno())
                .isEqualTo(Errno.ENAMETOOLONG);
        // Without a PATH, glibc's default: its confstr(_CS_PATH).
        MethodHandle confstr = Native.call(Native.LIBC, "confstr",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            long n = (long) confstr.invokeExact(0 /* _CS_PATH */, buf, 256L);
            assertThat(n).isPositive();
            assertThat(PosixSpawn.DEFAULT_PATH).isEqualTo(buf.getString(0));
        }
        setPath(null);
        assertThat(PosixSpawnTest.same(true, "sh", List.of(), Attr.NONE, List.of("sh", "-c", "echo found")).out())
                .isEqualTo("found\n");
    }

    @Test
    void aCandidateOnANoexecMountIsDeniedAndTheSearchGoesOn() throws Throwable {
        Helper.assumeRoot("mounts a tmpfs with noexec");
        Path noexec = Files.createDirectory(tmp.resolve("noexec"));
        Process mount = new ProcessBuilder("/bin/mount", "-t", "tmpfs", "-o", "noexec,size=1m", "tmpfs", noexec.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes());
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs here: " + why);
        try {
            script(noexec.resolve(NAME), "noexec"); // mode 0755, but execve answers EACCES
            Path ok = tmp.resolve("ok");
            script(ok.resolve(NAME), "ok");
            assertThat(spawnp(noexec + ":" + ok, List.of()).out()).startsWith("ok " + ok + "/" + NAME);
            assertThat(spawnp(noexec + ":/no/such", List.of()).errno()).isEqualTo(Errno.EACCES);
        } finally {
            assertThat(new ProcessBuilder("/bin/umount", noexec.toString()).start().waitFor()).isZero();
        }
    }

    @Test
    void envpStringsWithoutAnEqualsSignReachTheChildAsGlibcPassesThem() throws Throwable {
        List<String> env = List.of("NOEQUALS", "A=1", "=empty-name", "", "A");
        Outcome o = PosixSpawnTest.same(false, Helper.path(), List.of(), Attr.NONE, Helper.argv("env"), env);
        assertThat(o.errno()).isZero();
        assertThat(o.out()).isEqualTo("NOEQUALS\nA=1\n=empty-name\n\nA\n");
    }

    @Test
    void fdsTheLibraryKeepsAreEbadfInEveryActionAsAnyFdTheCallerNeverOpened() throws Throwable {
        // The library's fds: posix_spawn's reserve (on /dev/null), the reaper's epoll and eventfd,
        // the pinned executable of a builder another part of the program holds, a child's pipes.
        io.pidspawn.internal.reaper.Reaper.get();
        int warm = PosixSpawn.pidfd_spawn("/bin/true", null, null, List.of("true"), List.of()); // the reserve is filled
        PidfdSpawn.pidfd_wait(warm, 0);
        PidfdSpawn.close(warm);
        int builder = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
        List<Integer> library = new ArrayList<>();
        // the pipes behind a running child's streams, and the copy a Command holds of a fd its
        // children get as stdin (at a low number, where the caller's own fds are)
        int[] source = Libc.pipe2(Libc.O_CLOEXEC);
        Set<Integer> before = Helper.openFds();
        try (Command c = Command.builder(Helper.path()).args("cat").stdin(Stdio.pipe()).stdout(Stdio.pipe()).build();
             Child child = c.spawn();
             Command holding = Command.builder(Helper.path()).args("cat").stdin(Stdio.fd(source[0])).build()) {
            String sourceLink = Libc.readlink("/proc/self/fd/" + source[0], new int[1]);
            List<Integer> copies = Helper.openFds().stream().filter(fd -> !before.contains(fd) && fd < 1024
                    && sourceLink.equals(Libc.readlink("/proc/self/fd/" + fd, new int[1]))).toList();
            assertThat(copies).as("the Command's copy of fd %d", source[0]).hasSize(1);
            library.addAll(copies);
            PidfdSpawn.pidfd_config(builder, PidfdSpawn.PIDFD_CONFIG_SET_STRING, PidfdSpawn.KEY_EXECUTABLE, Helper.path(), 0);
            String helperReal = Path.of(Helper.path()).toRealPath().toString();
            int devNull = 0;
            for (int fd : Helper.openFds()) {
                String link = Libc.readlink("/proc/self/fd/" + fd, new int[1]);
                if (fd >= 1024 && link != null && (link.equals("/dev/null") || link.equals(helperReal) || link.startsWith("pipe:")
                        || link.equals("anon_inode:[eventpoll]") || link.equals("anon_inode:[eventfd]"))) {
                    library.add(fd);
                    devNull += link.equals("/dev/null") ? 1 : 0;
                }
            }
            assertThat(devNull).as("posix_spawn's reserve, open on /dev/null above 1023").isGreaterThanOrEqualTo(8);
            int closed = firstClosedFd();
            for (int n : library) {
                for (boolean glibc : new boolean[] {true, false}) {
                    // glibc is shown a number closed in this process; pidspawn the library's number.
                    int fd = glibc ? closed : n;
                    List<List<Op>> cases = List.of(List.of(new Op.Dup2(fd, fd)), List.of(new Op.Dup2(fd, 0)),
                            List.of(new Op.Fchdir(fd)), List.of(new Op.Tcsetpgrp(fd)));
                    for (List<Op> ops : cases) {
                        Outcome o = glibc
                                ? PosixSpawnTest.viaGlibc(false, Helper.path(), ops, Attr.NONE, Helper.argv("fds"), List.of())
                                : PosixSpawnTest.viaPidspawn(false, Helper.path(), ops, Attr.NONE, Helper.argv("fds"), List.of());
                        assertThat(o.errno()).as("%s %s (fd %d is %s)", glibc ? "glibc" : "pidspawn", ops, n,
                                Libc.readlink("/proc/self/fd/" + n, new int[1])).isEqualTo(Errno.EBADF);
                    }
                }
            }
            assertThat(library.stream().filter(n -> Libc.readlink("/proc/self/fd/" + n, new int[1]).startsWith("pipe:")))
                    .as("the child's stdin and stdout pipes").hasSizeGreaterThanOrEqualTo(2);
            child.kill();
            child.waitFor();
        } finally {
            PidfdSpawn.close(builder);
            Libc.close(source[0]);
            Libc.close(source[1]);
        }
        // Once the library closed one, its number is the caller's again.
        List<Integer> closed = library.stream().filter(n -> Libc.fdFlags(n) < 0).toList();
        assertThat(closed).as("the pinned executable, the pipes, the Command's copy").hasSizeGreaterThanOrEqualTo(4);
        assertThat(closed).allSatisfy(n -> assertThat(LongLivedFds.isInternal(n)).as("fd %d", n).isFalse());
        int freed = closed.getFirst();
        int[] pipe = Libc.pipe2(Libc.O_CLOEXEC);
        try {
            assertThat(Libc.dup3(pipe[0], freed, Libc.O_CLOEXEC)).isEqualTo(freed);
            Libc.close(pipe[1]);
            Outcome o = PosixSpawnTest.same(false, Helper.path(), List.of(new Op.Dup2(freed, 0)), Attr.NONE, Helper.argv("cat"),
                    List.of());
            assertThat(o.errno()).isZero();
        } finally {
            Libc.close(pipe[0]);
            Libc.close(freed);
        }
    }

    private static int firstClosedFd() {
        for (int fd = 600; ; fd++) { // well above the pipes each run opens
            if (Libc.fdFlags(fd) < 0) {
                return fd;
            }
        }
    }
}
