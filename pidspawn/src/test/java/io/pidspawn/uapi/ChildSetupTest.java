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
import io.pidspawn.internal.spawn.Cgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every process-level builder key: the helper reports what the child really has (from
 * /proc/self/status, getrlimit, umask, getsid, sched_getscheduler, /proc/self/ns, /proc/self/cgroup,
 * PR_GET_PDEATHSIG) and the test compares; every bad value gets its errno and a log line.
 */
@ExtendWith(LeakGuard.class)
class ChildSetupTest {
    private static final boolean ROOT = Helper.ROOT;

    @TempDir
    Path tmp;

    private static void assumeRoot(String why) {
        Helper.assumeRoot(why);
    }

    /** Runs the helper with these configuration calls applied; returns its stdout. */
    private static String childSees(List<String[]> keys, String... helperArgs) throws Exception {
        int b = Uapi.helper(helperArgs);
        try {
            for (String[] k : keys) {
                if (k.length == 1) {
                    pidfd_config(b, PIDFD_CONFIG_SET_FLAG, k[0], (String) null, 0);
                } else {
                    pidfd_config(b, PIDFD_CONFIG_SET_STRING, k[0], k[1], 0);
                }
            }
            Uapi.Result r = Uapi.capture(b);
            assertThat(r.status()).as("stderr: %s", r.err()).isEqualTo(ExitStatus.exited(0));
            return r.out();
        } finally {
            close(b);
        }
    }

    private static ErrnoException refused(String key, String value, int errno) throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                    () -> pidfd_config(b, value == null ? PIDFD_CONFIG_SET_FLAG : PIDFD_CONFIG_SET_STRING, key, value, 0));
            assertThat(t).isInstanceOf(ErrnoException.class);
            ErrnoException e = (ErrnoException) t;
            assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
            assertThat(pidfd_config_log(b)).singleElement().asString()
                    .startsWith("e " + key + ": ").endsWith("(" + Errno.name(errno) + ")");
            return e;
        } finally {
            close(b);
        }
    }

    @Test
    void setsidMakesTheChildASessionAndGroupLeader() throws Exception {
        String[] ids = childSees(List.<String[]>of(new String[] {"setsid"}), "ids").trim().split(" ");
        assertThat(ids[0]).isEqualTo(ids[2]);
        assertThat(ids[1]).isEqualTo(ids[2]);
        String[] plain = childSees(List.of(), "ids").trim().split(" ");
        assertThat(plain[0]).isNotEqualTo(plain[2]);
    }

    @Test
    void pgidZeroGivesTheChildItsOwnGroupAndNJoinsGroupN() throws Exception {
        String[] ids = childSees(List.<String[]>of(new String[] {"pgid", "0"}), "ids").trim().split(" ");
        assertThat(ids[1]).isEqualTo(ids[2]);
        assertThat(ids[0]).isNotEqualTo(ids[2]);
        refused("pgid", "-1", Errno.EINVAL);
        refused("pgid", "abc", Errno.EINVAL);
        // Joining a group that does not exist in our session fails in the child, with the step.
        int b = Uapi.helper("exit", "0");
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, "pgid", "999999", 0);
            assertThatThrownBy(() -> pidfd_spawn_run(b, RunArgs.none()))
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.step()).isEqualTo(SpawnStep.SETPGID);
                        assertThat(e.errno()).isIn(Errno.EPERM, Errno.ESRCH);
                    });
        } finally {
            close(b);
        }
    }

    @Test
    void sigmaskAndSigdefaultKeys() throws Exception {
        assertThat(childSees(List.<String[]>of(new String[] {"sigmask", "USR1,SIGTERM,2"}), "status", "SigBlk"))
                .isEqualTo(String.format("%016x%n", (1L << 9) | (1L << 14) | (1L << 1)));
        refused("sigmask", "NOTASIG", Errno.EINVAL);
        refused("sigdefault", "65", Errno.EINVAL);
    }

    @Test
    void rlimitsBySoftAndHard() throws Exception {
        assertThat(childSees(List.<String[]>of(new String[] {"rlimit.NOFILE", "64:128"}), "rlimit", "7")).isEqualTo("64:128\n");
        assertThat(childSees(List.<String[]>of(new String[] {"rlimit.core", "0:unlimited"}), "rlimit", "4"))
                .isEqualTo("0:unlimited\n");
        long hard = Libc.getrlimit(Libc.RLIMIT_NOFILE)[1];
        assertThat(childSees(List.<String[]>of(new String[] {"rlimit.NOFILE", "100"}), "rlimit", "7")).isEqualTo("100:" + hard + "\n");
        refused("rlimit.NOTALIMIT", "1", Errno.EINVAL);
        refused("rlimit.NOFILE", "10:5", Errno.EINVAL);
        refused("rlimit.NOFILE", "lots", Errno.EINVAL);
        refused("rlimit.NOFILE", "1:2:3", Errno.EINVAL);
    }

    @Test
    void umaskKey() throws Exception {
        assertThat(childSees(List.<String[]>of(new String[] {"umask", "027"}), "umask")).isEqualTo("027\n");
        assertThat(childSees(List.<String[]>of(new String[] {"umask", "0"}), "umask")).isEqualTo("000\n");
        refused("umask", "0999", Errno.EINVAL);
        refused("umask", "rwx", Errno.EINVAL);
    }

    @Test
    void schedulingPolicyPriorityAndNice() throws Exception {
        assertThat(childSees(List.<String[]>of(new String[] {"sched", "batch"}), "sched")).isEqualTo("3 0\n");
        assertThat(childSees(List.<String[]>of(new String[] {"sched", "idle"}), "sched")).isEqualTo("5 0\n");
        assertThat(childSees(List.<String[]>of(new String[] {"nice", "7"}), "nice")).isEqualTo("7\n");
        refused("sched", "fifo:0", Errno.EINVAL);
        refused("sched", "other:5", Errno.EINVAL);
        refused("sched", "bogus", Errno.EINVAL);
        refused("nice", "20", Errno.EINVAL);
        if (ROOT) {
            assertThat(childSees(List.<String[]>of(new String[] {"sched", "fifo:10"}), "sched")).isEqualTo("1 10\n");
            assertThat(childSees(List.<String[]>of(new String[] {"sched", "rr:3"}), "sched")).isEqualTo("2 3\n");
        }
    }

    @Test
    void credentialsAsRoot() throws Exception {
        assumeRoot("changing uid, gid and groups");
        String out = childSees(List.of(new String[] {"groups", "4,27"}, new String[] {"gid", "1234"},
                new String[] {"uid", "4321"}), "status", "Uid", ";", "status", "Gid", ";", "status", "Groups");
        assertThat(out).isEqualTo("4321\t4321\t4321\t4321\n1234\t1234\t1234\t1234\n4 27 \n");
        assertThat(childSees(List.<String[]>of(new String[] {"groups", ""}), "status", "Groups")).isEqualTo("\n");
        refused("uid", "-5", Errno.EINVAL);
        refused("groups", "a,b", Errno.EINVAL);
    }

    @Test
    void resetIdsKeepsRealIdsAsEffective() throws Exception {
        String out = childSees(List.<String[]>of(new String[] {"reset-ids"}), "status", "Uid");
        String[] ids = out.trim().split("\t");
        assertThat(ids[1]).isEqualTo(ids[0]);
    }

    @Test
    void noNewPrivsAndPdeathsigAreSetInTheChild() throws Exception {
        assertThat(childSees(List.<String[]>of(new String[] {"no-new-privs"}), "status", "NoNewPrivs")).isEqualTo("1\n");
        assertThat(childSees(List.of(), "status", "NoNewPrivs")).isEqualTo("0\n");
        assertThat(childSees(List.<String[]>of(new String[] {"pdeathsig", "TERM"}), "pdeathsig")).isEqualTo("15\n");
        assertThat(childSees(List.of(), "pdeathsig")).isEqualTo("0\n");
        refused("pdeathsig", "NOPE", Errno.EINVAL);
    }

    @Test
    void aPdeathsigChildOutlivesTheJavaThreadThatSpawnedIt() throws Exception {
        int b = Uapi.helper("sleep", "30");
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, "pdeathsig", "KILL", 0);
        AtomicReference<Spawned> child = new AtomicReference<>();
        Thread shortLived = new Thread(() -> {
            try {
                child.set(pidfd_spawn_run(b, RunArgs.none()));
            } catch (ErrnoException e) {
                throw new RuntimeException(e);
            }
        });
        shortLived.start();
        shortLived.join();
        try {
            Thread.sleep(300); // PR_SET_PDEATHSIG would have fired by now, had the thread been the parent
            assertThat(pidfd_poll(child.get().pidfd(), 0)).as("child still running").isFalse();
            pidfd_send_signal(child.get().pidfd(), 9, 0);
            assertThat(pidfd_wait(child.get().pidfd(), 0)).isEqualTo(ExitStatus.killed(9, false));
        } finally {
            close(child.get().pidfd());
            close(b);
        }
    }

    @Test
    void namespacesGiveTheChildNewNamespaceInodes() throws Exception {
        String outside = childSees(List.of(), "ns", "uts", ";", "ns", "user", ";", "ns", "pid");
        String inside = childSees(List.<String[]>of(new String[] {"namespaces", "user,uts,pid,ipc,mount"}),
                "ns", "uts", ";", "ns", "user", ";", "ns", "pid", ";", "status", "Uid");
        String[] o = outside.split("\n");
        String[] i = inside.split("\n");
        assertThat(i[0]).isNotEqualTo(o[0]);
        assertThat(i[1]).isNotEqualTo(o[1]);
        // /proc/self/ns/pid names the namespace the child's children get; the child stays in ours.
        assertThat(i[3]).as("uid inside the new user namespace (the default map: 0 -> our uid)").startsWith("0\t0");
        refused("namespaces", "user,bogus", Errno.EINVAL);
    }

    @Test
    void customIdMapsAsRoot() throws Exception {
        assumeRoot("arbitrary uid_map/gid_map need privilege");
        String out = childSees(List.of(new String[] {"namespaces", "user"}, new String[] {"uid_map", "0 100000 65536"},
                new String[] {"gid_map", "0 200000 65536"}, new String[] {"uid", "1000"}, new String[] {"gid", "50"}),
                "status", "Uid", ";", "status", "Gid");
        assertThat(out).isEqualTo("1000\t1000\t1000\t1000\n50\t50\t50\t50\n");
        refused("uid_map", "0 1", Errno.EINVAL);
    }

    @Test
    void cgroupJoinedAtCloneTime() throws Exception {
        assumeRoot("creating a cgroup");
        Path root = Cgroups.mountPoint();
        Assumptions.assumeTrue(root != null, "no cgroup2 mount");
        Path group = root.resolve("pidspawn-test-" + ProcessHandle.current().pid());
        Files.createDirectory(group);
        try {
            String cgroup = "/" + group.getFileName();
            assertThat(childSees(List.<String[]>of(new String[] {"cgroup", cgroup}), "cgroup")).contains("0::" + cgroup + "\n");
            refused("cgroup", "relative/path", Errno.EINVAL);
            refused("cgroup", "/no-such-group-" + ProcessHandle.current().pid(), Errno.ENOENT);
        } finally {
            Files.delete(group);
        }
    }

    @Test
    void aDirectoryThatIsNotACgroupIsRefused() throws Exception {
        int dir = Libc.openat(Libc.AT_FDCWD, tmp.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int b = Uapi.helper("exit", "0");
        try {
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "cgroup", (String) null, dir))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("not a cgroup2 directory");
        } finally {
            close(b);
            Libc.close(dir);
        }
    }

    @Test
    void controllingTerminalFromAMappedPty() throws Exception {
        int master = Libc.openat(Libc.AT_FDCWD, "/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        Assumptions.assumeTrue(master >= 0, "no /dev/ptmx");
        int slave = -1;
        int b = Uapi.helper("ctty", ";", "ids");
        try {
            slave = Ptys.openSlave(master);
            pidfd_config(b, PIDFD_CONFIG_SET_FD, "ctty", (String) null, slave);
            String[] lines = Uapi.capture(b).out().split("\n");
            String[] ids = lines[1].split(" ");
            assertThat(lines[0]).as("foreground group of the child's terminal").isEqualTo(ids[2]);
            int notTty = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            try {
                assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_FD, "ctty", (String) null, notTty))
                        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTTY));
            } finally {
                Libc.close(notTty);
            }
        } finally {
            close(b);
            if (slave >= 0) {
                Libc.close(slave);
            }
            Libc.close(master);
        }
    }

    @Test
    void pathSearchResolvesOnceAndSkipsNonExecutableEntries() throws Exception {
        Path first = Files.createDirectory(tmp.resolve("first"));
        Path second = Files.createDirectory(tmp.resolve("second"));
        Files.writeString(first.resolve("tool"), "#!/bin/sh\necho first\n"); // not executable: skipped
        Path tool = second.resolve("tool");
        Files.writeString(tool, "#!/bin/sh\necho second\n");
        tool.toFile().setExecutable(true);
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "PATH=" + first + ":" + second, 0);
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "tool", 0);
            assertThat(Uapi.capture(b).out()).isEqualTo("second\n");
            // A new file at the found path is found again, not refused as stale.
            Path update = second.resolve("tool.new");
            Files.writeString(update, "#!/bin/sh\necho updated\n");
            update.toFile().setExecutable(true);
            Files.move(update, tool, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(Uapi.capture(b).out()).isEqualTo("updated\n");
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "no-such-tool-anywhere", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ENV, "PATH=" + first, 0);
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "tool", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
            assertThatThrownBy(() -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "a/b", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        } finally {
            close(b);
        }
    }

    @Test
    void failuresInTheChildNameTheirStepAndLeaveNothingBehind() throws Exception {
        Set<Integer> before = Helper.children();
        int b = Uapi.helper("exit", "0");
        try {
            if (ROOT) {
                // Ids are dropped before the working directory is entered: uid 65534 may not enter a 0700 root directory.
                Path closed = Files.createDirectory(tmp.resolve("closed"));
                Files.setPosixFilePermissions(closed, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                pidfd_config(b, PIDFD_CONFIG_SET_STRING, "uid", "65534", 0);
                pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, closed.toString(), 0);
            } else {
                pidfd_config(b, PIDFD_CONFIG_SET_STRING, "rlimit.RTPRIO", "0:0", 0);
                pidfd_config(b, PIDFD_CONFIG_SET_STRING, "sched", "fifo:1", 0);
            }
            assertThatThrownBy(() -> pidfd_spawn_run(b, RunArgs.none()))
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.step()).isEqualTo(ROOT ? SpawnStep.CHDIR : SpawnStep.SCHED);
                        assertThat(e.errno()).isIn(Errno.EPERM, Errno.EACCES);
                        assertThat(e.actionIndex()).isEqualTo(-1);
                    });
            assertThat(Helper.children()).isEqualTo(before);
        } finally {
            close(b);
        }
    }
}
