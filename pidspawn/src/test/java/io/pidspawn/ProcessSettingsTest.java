package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.spawn.Cgroups;
import io.pidspawn.uapi.Ptys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Every process-level setting of {@link Command.Builder} reaches the child: each test asks the
 * helper what the kernel shows it, with and without the setting.
 */
@ExtendWith(LeakGuard.class)
class ProcessSettingsTest {
    /** What the helper prints, run by a command with these settings. */
    private static String childSees(UnaryOperator<Command.Builder> settings, String... helperArgs) throws Exception {
        try (Command c = settings.apply(Command.builder(Helper.path()).args(helperArgs)).build()) {
            Output o = c.output();
            assertThat(o.status()).as("stderr: %s", o.stderrText()).isEqualTo(ExitStatus.exited(0));
            return o.stdoutText();
        }
    }

    private static String[] ids(UnaryOperator<Command.Builder> settings) throws Exception {
        return childSees(settings, "ids").trim().split(" "); // sid pgid pid
    }

    @Test
    void newSessionLeadsASessionAndAGroup() throws Exception {
        String[] ids = ids(Command.Builder::newSession);
        assertThat(ids[0]).isEqualTo(ids[2]);
        assertThat(ids[1]).isEqualTo(ids[2]);
        String[] plain = ids(b -> b);
        assertThat(plain[0]).isNotEqualTo(plain[2]);
        assertThat(plain[1]).as("output() gives the child a group of its own, not a session").isEqualTo(plain[2]);
    }

    @Test
    void processGroupZeroIsAGroupOfItsOwnInOurSession() throws Exception {
        String[] ids = ids(b -> b.processGroup(0));
        assertThat(ids[1]).isEqualTo(ids[2]);
        assertThat(ids[0]).isNotEqualTo(ids[2]);
        assertThatThrownBy(() -> Command.builder("true").processGroup(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aGroupThatDoesNotExistFailsTheSpawnAtSetpgid() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("exit", "0").processGroup(999_999).build()) {
            assertThatThrownBy(c::spawn).isInstanceOfSatisfying(SpawnException.class, e -> {
                assertThat(e.step()).isEqualTo(SpawnStep.SETPGID);
                assertThat(e.errno()).isIn(Errno.EPERM, Errno.ESRCH);
            });
        }
    }

    @Test
    void controllingTerminalIsThePtyAndTheChildItsForegroundGroup() throws Exception {
        int master = Libc.openat(Libc.AT_FDCWD, "/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        Assumptions.assumeTrue(master >= 0, "no /dev/ptmx");
        int slave = Ptys.openSlave(master);
        try {
            Command.Builder b = Command.builder(Helper.path()).args("ctty", ";", "ids").controllingTerminal(slave);
            try (Command c = b.build()) {
                Libc.close(slave); // the builder holds its own copy
                slave = -1;
                String[] lines = c.output().stdoutText().split("\n");
                String[] ids = lines[1].split(" ");
                assertThat(lines[0]).as("foreground group of the child's terminal").isEqualTo(ids[2]);
                assertThat(ids[0]).as("a session of its own").isEqualTo(ids[2]);
            }
            int notTty = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            try {
                assertThatThrownBy(() -> Command.builder(Helper.path()).controllingTerminal(notTty).build())
                        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTTY));
            } finally {
                Libc.close(notTty);
            }
        } finally {
            if (slave >= 0) {
                Libc.close(slave);
            }
            Libc.close(master);
        }
    }

    @Test
    void blockedSignalsAddUp() throws Exception {
        assertThat(childSees(b -> b.blockSignals(Signals.SIGUSR1).blockSignals(Signals.SIGTERM, Signals.SIGINT),
                "status", "SigBlk")).isEqualTo(String.format("%016x%n", (1L << 9) | (1L << 14) | (1L << 1)));
        assertThat(childSees(b -> b, "status", "SigBlk")).isEqualTo("0000000000000000\n");
        assertThatThrownBy(() -> Command.builder("true").blockSignals(65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultSignalsUndoWhatThisProcessIgnores() throws Exception {
        // An ignored signal stays ignored across clone and exec; SIGWINCH is one the JVM leaves alone.
        Signal winch = new Signal("WINCH");
        SignalHandler previous = Signal.handle(winch, SignalHandler.SIG_IGN);
        try {
            assertThat(childSees(b -> b, "disposition", "28")).isEqualTo("ignore\n");
            assertThat(childSees(b -> b.defaultSignals(Signals.SIGWINCH), "disposition", "28")).isEqualTo("default\n");
        } finally {
            Signal.handle(winch, previous);
        }
    }

    @Test
    void rlimitSetsSoftAndHard() throws Exception {
        assertThat(childSees(b -> b.rlimit(Resource.NOFILE, 64, 128), "rlimit", "7")).isEqualTo("64:128\n");
        assertThat(childSees(b -> b.rlimit(Resource.CORE, 0, Resource.UNLIMITED), "rlimit", "4")).isEqualTo("0:unlimited\n");
        assertThat(Resource.NOFILE.number()).isEqualTo(7);
        assertThatThrownBy(() -> Command.builder("true").rlimit(Resource.NOFILE, 10, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds hard limit 5");
        assertThatThrownBy(() -> Command.builder("true").rlimit(Resource.NOFILE, -2, 5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void umaskIsTheChilds() throws Exception {
        assertThat(childSees(b -> b.umask(0027), "umask")).isEqualTo("027\n");
        assertThat(childSees(b -> b.umask(0), "umask")).isEqualTo("000\n");
        assertThatThrownBy(() -> Command.builder("true").umask(01000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void schedulingAndNice() throws Exception {
        assertThat(childSees(b -> b.scheduling(SchedPolicy.BATCH, 0), "sched")).isEqualTo("3 0\n");
        assertThat(childSees(b -> b.scheduling(SchedPolicy.IDLE, 0), "sched")).isEqualTo("5 0\n");
        assertThat(childSees(b -> b.nice(7), "nice")).isEqualTo("7\n");
        assertThatThrownBy(() -> Command.builder("true").scheduling(SchedPolicy.FIFO, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.builder("true").scheduling(SchedPolicy.OTHER, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.builder("true").nice(20)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void realtimeSchedulingAsRoot() throws Exception {
        Helper.assumeRoot("real-time scheduling needs CAP_SYS_NICE");
        assertThat(childSees(b -> b.scheduling(SchedPolicy.FIFO, 10), "sched")).isEqualTo("1 10\n");
        assertThat(childSees(b -> b.scheduling(SchedPolicy.RR, 3), "sched")).isEqualTo("2 3\n");
    }

    @Test
    void userGroupAndSupplementaryGroupsAsRoot() throws Exception {
        Helper.assumeRoot("changing uid, gid and groups");
        String out = childSees(b -> b.supplementaryGroups(4, 27).group(1234).user(4321),
                "status", "Uid", ";", "status", "Gid", ";", "status", "Groups");
        assertThat(out).isEqualTo("4321\t4321\t4321\t4321\n1234\t1234\t1234\t1234\n4 27 \n");
        assertThat(childSees(b -> b.supplementaryGroups(), "status", "Groups")).isEqualTo("\n");
        assertThatThrownBy(() -> Command.builder("true").user(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void changingUserWithoutPrivilegeFailsTheBuildNamingTheKey() throws Exception {
        Assumptions.assumeFalse(Helper.ROOT, "root may change its uid");
        assertThatThrownBy(() -> Command.builder(Helper.path()).user(Integer.parseInt(Helper.effectiveId("Uid")) + 1).build())
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM))
                .hasMessageContaining("uid");
    }

    @Test
    void resetIdsMakesEffectiveTheReal() throws Exception {
        String[] uids = childSees(Command.Builder::resetIds, "status", "Uid").trim().split("\t");
        assertThat(uids[1]).isEqualTo(uids[0]);
    }

    @Test
    void parentDeathSignalAndNoNewPrivileges() throws Exception {
        assertThat(childSees(b -> b.parentDeathSignal(Signals.SIGTERM), "pdeathsig")).isEqualTo("15\n");
        assertThat(childSees(b -> b, "pdeathsig")).isEqualTo("0\n");
        assertThat(childSees(Command.Builder::noNewPrivileges, "status", "NoNewPrivs")).isEqualTo("1\n");
        assertThat(childSees(b -> b, "status", "NoNewPrivs")).isEqualTo("0\n");
        assertThatThrownBy(() -> Command.builder("true").parentDeathSignal(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namespacesAreNewOnes() throws Exception {
        String[] outside = childSees(b -> b, "ns", "uts", ";", "ns", "user").split("\n");
        String[] inside = childSees(b -> b.namespaces(Namespace.USER, Namespace.UTS),
                "ns", "uts", ";", "ns", "user", ";", "status", "Uid").split("\n");
        assertThat(inside[0]).isNotEqualTo(outside[0]);
        assertThat(inside[1]).isNotEqualTo(outside[1]);
        assertThat(inside[2]).as("root inside, by the default map").startsWith("0\t0");
    }

    @Test
    void idMapsAsRoot() throws Exception {
        Helper.assumeRoot("arbitrary uid_map/gid_map need privilege");
        String out = childSees(b -> b.user(1000).group(50).namespaces(Namespace.USER)
                .uidMap("0 100000 65536").gidMap("0 200000 65536"), "status", "Uid", ";", "status", "Gid");
        assertThat(out).isEqualTo("1000\t1000\t1000\t1000\n50\t50\t50\t50\n");
        assertThatThrownBy(() -> Command.builder("true").uidMap(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cgroupByDirectoryOrByName() throws Exception {
        Path group = createCgroup();
        try {
            String name = "/" + group.getFileName(); // directly below the cgroup2 root
            assertThat(childSees(b -> b.cgroup(group), "cgroup")).contains("0::" + name + "\n");
            assertThat(childSees(b -> b.cgroup(name), "cgroup")).contains("0::" + name + "\n");
            assertThatThrownBy(() -> Command.builder("true").cgroup("relative")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Command.builder(Helper.path()).cgroup(group.resolve("missing")).build())
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        } finally {
            removeCgroup(group);
        }
    }

    @Test
    void killCgroupKillsTheChildAndItsGrandchild() throws Exception {
        Path group = createCgroup();
        String h = Helper.path();
        try (Command c = Command.builder("/bin/sh")
                .args("-c", h + " sleep 30 & echo $!; exec " + h + " sleep 30")
                .stdout(Stdio.pipe()).cgroup(group).build();
                Child child = c.spawn()) {
            int grandchild = Integer.parseInt(new BufferedReader(new InputStreamReader(child.stdout())).readLine());
            assertThat(child.cgroup()).contains(group);
            child.killCgroup();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            awaitGone(grandchild);
        } finally {
            removeCgroup(group);
        }
    }

    @Test
    void killCgroupNeedsACgroup() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("exit", "0").build(); Child child = c.spawn()) {
            assertThat(child.cgroup()).isEmpty();
            assertThatThrownBy(child::killCgroup).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not started in a cgroup");
            child.waitFor();
        }
    }

    private static Path createCgroup() throws Exception {
        Helper.assumeRoot("creating a cgroup");
        Path root = Cgroups.mountPoint();
        Assumptions.assumeTrue(root != null, "no cgroup2 mount");
        return Files.createDirectory(root.resolve("pidspawn-test-" + ProcessHandle.current().pid()));
    }

    /** rmdir succeeds once the cgroup has no process left; killed ones leave it a moment after they are reaped. */
    private static void removeCgroup(Path group) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                Files.delete(group);
                return;
            } catch (java.nio.file.FileSystemException busy) {
                if (System.nanoTime() > deadline) {
                    throw busy;
                }
                Thread.sleep(10);
            }
        }
    }

    private static void awaitGone(int pid) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (isRunning(pid)) {
            assertThat(System.nanoTime()).as("pid %d still runs", pid).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static boolean isRunning(int pid) throws Exception {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }
}
