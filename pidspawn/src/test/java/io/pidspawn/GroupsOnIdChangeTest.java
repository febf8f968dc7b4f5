package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.posix.FileActions;
import io.pidspawn.posix.PosixSpawn;
import io.pidspawn.posix.SpawnAttributes;
import io.pidspawn.testkit.Helper;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.Spawned;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A root process that gives its child another uid or gid must not hand it its own supplementary
 * groups. The spawning thread here really holds a supplementary group G the JVM otherwise lacks:
 * credentials are per thread to the kernel (glibc's setgroups makes every thread call it; the
 * raw syscall changes the calling thread alone), and a child is cloned from, and inherits the
 * credentials of, the thread that spawns it. Each case runs on a thread of its own that sets G
 * with the raw syscall, spawns, and ends, so no other thread of the JVM ever holds G.
 */
@ExtendWith(LeakGuard.class)
class GroupsOnIdChangeTest {
    /** A gid neither this JVM nor any test user has. */
    private static final int G = 4242;
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startLibraryThreadsFirst() throws Exception {
        // Threads the library starts on first use are cloned from the thread that uses it first
        // and would keep its groups: let them start here, never on a thread holding G.
        try (Command c = Command.builder(Helper.path()).args("exit", "0").build()) {
            c.output();
        }
    }

    @Test
    void theSpawningThreadHoldsGAndTheChildInheritsIt() throws Exception {
        Helper.assumeRoot("setgroups");
        assertThat(Files.readString(Path.of("/proc/thread-self/status"))).doesNotContain(G + " ");
        assertThat(withGroup(() -> groupsOfChild(b -> b))).as("no id change: the groups stay").contains(G);
        assertThat(groupsOfChild(b -> b)).as("the test's own thread never held G").doesNotContain(G);
    }

    @Test
    void aUserAndGroupChangeDropsTheSupplementaryGroups() throws Exception {
        Helper.assumeRoot("changing uid and gid");
        assertThat(withGroup(() -> groupsOfChild(b -> b.user(NOBODY).group(NOBODY)))).isEmpty();
        assertThat(withGroup(() -> groupsOfChild(b -> b.user(NOBODY)))).isEmpty();
        assertThat(withGroup(() -> groupsOfChild(b -> b.group(NOBODY)))).isEmpty();
    }

    @Test
    void keepSupplementaryGroupsKeepsThem() throws Exception {
        Helper.assumeRoot("changing uid and gid");
        assertThat(withGroup(() -> groupsOfChild(b -> b.user(NOBODY).group(NOBODY).keepSupplementaryGroups())))
                .contains(G);
    }

    @Test
    void explicitGroupsWinAndCannotBeCombinedWithAPolicy() throws Exception {
        Helper.assumeRoot("changing uid and groups");
        assertThat(withGroup(() -> groupsOfChild(b -> b.user(NOBODY).supplementaryGroups(27)))).containsExactly(27);
        assertThatThrownBy(() -> Command.builder(Helper.path()).user(NOBODY).supplementaryGroups(27)
                .keepSupplementaryGroups().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude each other");
    }

    @Test
    void initGroupsGivesTheUsersOwnGroupsAsIdSeesThem() throws Exception {
        Helper.assumeRoot("changing uid and groups");
        String user = aUserWithSupplementaryGroups();
        Assumptions.assumeTrue(user != null, "no user in /etc/group is in a group besides its own");
        int uid = Integer.parseInt(run("id", "-u", user).trim());
        // id(1) asks NSS (getgrouplist), independently of pidspawn's reading of the files.
        List<Integer> expected = ids(run("id", "-G", user));
        assertThat(expected).hasSizeGreaterThan(1);
        List<Integer> got = withGroup(() -> groupsOfChild(b -> b.user(uid).initGroups()));
        assertThat(new TreeSet<>(got)).isEqualTo(new TreeSet<>(expected));
        assertThat(got).doesNotContain(G);
        // With a group set it is the primary one in the list, as initgroups(user, gid) makes it.
        List<Integer> withGid = withGroup(() -> groupsOfChild(b -> b.user(uid).group(NOBODY).initGroups()));
        assertThat(withGid).contains(NOBODY).containsAll(expected.subList(1, expected.size()));
    }

    @Test
    void initGroupsNeedsAUserThatExists() throws Exception {
        Helper.assumeRoot("changing uid");
        assertThatThrownBy(() -> Command.builder(Helper.path()).initGroups().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user(uid)");
        int unknown = 3_999_999;
        assertThat(Files.readString(Path.of("/etc/passwd"))).doesNotContain(":" + unknown + ":");
        assertThatThrownBy(() -> Command.builder(Helper.path()).user(unknown).initGroups().build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessageContaining("groups-on-id-change").hasMessageContaining("uid " + unknown);
    }

    @Test
    void theKeyRefusesWhatItCannotDo() throws Exception {
        int b = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
        try {
            assertThatThrownBy(() -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING,
                    "groups-on-id-change", "sometimes", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING,
                    "groups-on-id-change", "initgroups", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("set uid first");
            assertThat(PidfdSpawn.pidfd_config_log(b)).hasSize(2);
        } finally {
            PidfdSpawn.close(b);
        }
    }

    @Test
    void resetIdsAndThePosixLayerKeepTheGroupsAsGlibcDoes() throws Exception {
        Helper.assumeRoot("setgroups");
        assertThat(withGroup(() -> groupsOfChild(Command.Builder::resetIds))).contains(G);
        Path out = tmp.resolve("groups");
        List<Integer> posix = withGroup(() -> {
            FileActions fa = new FileActions().addopen(1, out.toString(),
                    PidfdSpawn.O_WRONLY | PidfdSpawn.O_CREAT | PidfdSpawn.O_TRUNC, 0644);
            SpawnAttributes sa = new SpawnAttributes().setflags(SpawnAttributes.POSIX_SPAWN_RESETIDS);
            Spawned child = PosixSpawn.posix_spawn(Helper.path(), fa, sa, List.of(Helper.path(), "status", "Groups"), List.of());
            try {
                assertThat(PidfdSpawn.pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(0));
            } finally {
                PidfdSpawn.close(child.pidfd());
            }
            return ids(Files.readString(out));
        });
        assertThat(posix).contains(G);
    }

    // ---- helpers ----

    /** The supplementary groups of a helper started with these settings, as its /proc/self/status shows them. */
    private static List<Integer> groupsOfChild(UnaryOperator<Command.Builder> settings) throws Exception {
        try (Command c = settings.apply(Command.builder(Helper.path()).args("status", "Groups")).build()) {
            Output o = c.output();
            assertThat(o.status()).as("stderr: %s", o.stderrText()).isEqualTo(ExitStatus.exited(0));
            return ids(o.stdoutText());
        }
    }

    /**
     * Runs task on a new thread whose supplementary groups are this thread's plus G, set with the
     * raw setgroups syscall, so that only that thread has them; it puts the old list back before
     * it ends.
     */
    private static <T> T withGroup(Callable<T> task) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int[] before = threadGroups();
            int[] with = Arrays.copyOf(before, before.length + 1);
            with[before.length] = G;
            try {
                setThreadGroups(with);
                try {
                    assertThat(threadGroups()).contains(G);
                    result.set(task.call());
                } finally {
                    setThreadGroups(before);
                }
            } catch (Throwable e) {
                result.set(e);
            }
        }, "holds-group-" + G);
        t.start();
        t.join();
        if (result.get() instanceof Throwable e) {
            if (e instanceof Exception ex) {
                throw ex;
            }
            throw (Error) e;
        }
        @SuppressWarnings("unchecked")
        T r = (T) result.get();
        return r;
    }

    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(1));
    private static final long SYS_SETGROUPS = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 116;
        case "aarch64" -> 159;
        default -> throw new IllegalStateException("no setgroups number for " + System.getProperty("os.arch"));
    };

    /** setgroups(2) for the calling thread only: syscall(3) is the raw call, without glibc's broadcast to every thread. */
    private static void setThreadGroups(int[] groups) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment list = a.allocateFrom(ValueLayout.JAVA_INT, groups.length == 0 ? new int[1] : groups);
            long r = (long) SYSCALL.invokeExact(SYS_SETGROUPS, (long) groups.length, list);
            if (r != 0) {
                throw new IllegalStateException("setgroups failed: " + r);
            }
        } catch (Throwable e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
    }

    private static int[] threadGroups() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("Groups:")) {
                    return ids(line.substring("Groups:".length())).stream().mapToInt(Integer::intValue).toArray();
                }
            }
            throw new IllegalStateException("no Groups line");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Integer> ids(String text) {
        List<Integer> ids = new ArrayList<>();
        for (String s : text.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                ids.add(Integer.parseInt(s));
            }
        }
        return ids;
    }

    /** A user named in some group's member list of /etc/group that also has a passwd entry. */
    private static String aUserWithSupplementaryGroups() throws Exception {
        for (String line : Files.readAllLines(Path.of("/etc/group"))) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && !f[3].isBlank()) {
                for (String member : f[3].split(",")) {
                    if (new ProcessBuilder("id", "-u", member.trim()).start().waitFor() == 0) {
                        return member.trim();
                    }
                }
            }
        }
        return null;
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", List.of(argv), out).isZero();
        return out;
    }
}
