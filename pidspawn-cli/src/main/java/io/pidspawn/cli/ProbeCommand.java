package io.pidspawn.cli;

import static io.pidspawn.uapi.PidfdSpawn.*;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.spawn.Cgroups;
import io.pidspawn.uapi.PidfdInfo;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Spawned;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pidspawn probe}: every kernel feature pidspawn uses, probed by calling it (never by
 * reading the kernel version), with the errno a missing one gave and what pidspawn does without it.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Probe each kernel feature pidspawn uses and say what pidspawn does without it.",
        footer = {"", "Exit status: 0 when everything pidspawn needs is present, 1 when something it needs is missing.",
                "", "Examples:", "  pidspawn probe", "  pidspawn probe --json | jq '.features[] | select(.available | not)'"})
final class ProbeCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    /** One probed feature. {@code required}: pidspawn cannot spawn without it. */
    record Feature(String name, String since, boolean available, int errno, String detail, String without, boolean required) {}

    @Override
    public Integer call() {
        List<Feature> features = probeAll();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("kernel", kernel());
            List<Object> list = new ArrayList<>();
            for (Feature f : features) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", f.name());
                m.put("since", "Linux " + f.since());
                m.put("available", f.available());
                m.put("errno", f.available() ? null : Errno.name(f.errno()));
                m.put("detail", f.detail());
                m.put("without", f.without());
                m.put("required", f.required());
                list.add(m);
            }
            out.put("features", list);
            System.out.println(Json.write(out));
        } else {
            System.out.println("kernel: " + kernel());
            System.out.printf("%-46s %-4s %-8s %s%n", "FEATURE (LINUX)", "OK", "ERRNO", "PROBE RESULT / WITHOUT IT");
            for (Feature f : features) {
                System.out.printf("%-46s %-4s %-8s %s%n", f.name() + " (" + f.since() + ")", f.available() ? "yes" : "NO",
                        f.available() ? "-" : Errno.name(f.errno()), f.available() ? f.detail() : "without it: " + f.without());
            }
        }
        return features.stream().allMatch(f -> f.available() || !f.required()) ? 0 : 1;
    }

    static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    static List<Feature> probeAll() {
        List<Feature> out = new ArrayList<>();
        int clone3 = Libc.clone3Probe();
        out.add(new Feature("clone3", "5.3", clone3 == -Errno.EINVAL, -clone3, "clone3(NULL, 0) answered EINVAL",
                "cannot spawn: pidspawn needs clone3", true));
        int closeRange = Libc.closeRangeProbe(0);
        out.add(new Feature("close_range", "5.9", closeRange == 0, -closeRange, "called on an empty range",
                "cannot close fds by default", true));
        int cloexec = Libc.closeRangeProbe(Libc.CLOSE_RANGE_CLOEXEC);
        out.add(new Feature("CLOSE_RANGE_CLOEXEC", "5.11", cloexec == 0, -cloexec, "called on an empty range",
                "cannot close fds by default", true));
        int landlock = io.pidspawn.internal.spawn.Landlock.kernelAbi();
        out.add(new Feature("Landlock", "5.13", landlock > 0, landlock > 0 ? 0 : -landlock,
                "ABI " + landlock + " (net rules from ABI 4, scopes from ABI 6)",
                "the landlock.* keys (--ro, --rw, --net connect=, --scope) are refused (EOPNOTSUPP), or dropped with best-effort", false));
        int seccomp = Libc.seccompActionAvailable(0x00050000); // SECCOMP_RET_ERRNO
        out.add(new Feature("seccomp filters", "3.17", seccomp == 0, -seccomp, "SECCOMP_RET_ERRNO available",
                "the seccomp.* keys (--net none, --deny-syscall) are refused (EOPNOTSUPP)", false));
        for (io.pidspawn.internal.linux.KernelFeatures.Feature f : io.pidspawn.internal.linux.KernelFeatures.lifecycleFlags()) {
            out.add(new Feature(f.name(), f.since(), f.present(), f.errno(),
                    f.present() ? "clone3 accepted the flag" : "clone3 refused the flag", f.without(), false));
        }
        String cgroup2 = String.valueOf(Cgroups.mountPoint());
        out.add(new Feature("cgroup2 mount", "4.5", Cgroups.mountPoint() != null, Errno.ENOENT, "at " + cgroup2,
                "the cgroup key is refused (ENOENT)", false));

        int b = -1;
        Spawned child = null;
        try {
            b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "sleep", 0);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, "sleep\0005\0".getBytes(), 0);
            child = pidfd_spawn_run(b, RunArgs.none());
            out.add(new Feature("clone3 CLONE_VM|CLONE_VFORK|CLONE_PIDFD", "5.3", true, 0, "spawned pid " + child.pid(),
                    "cannot spawn", true));
            out.add(new Feature("CLONE_CLEAR_SIGHAND", "5.5", true, 0, "used by every spawn", "cannot spawn", true));
            out.add(new Feature("execveat AT_EMPTY_PATH", "3.19", true, 0, "exec through the pinned fd",
                    "cannot spawn", true));
            out.add(probe("pidfd_getfd", "5.6", "duplicated the child's fd 0", "Child stdio cannot be borrowed after spawn", false,
                    pidfd -> {
                        int fd = pidfd_getfd(pidfd, 0, 0);
                        Libc.close(fd);
                    }, child.pidfd()));
            PidfdInfo[] info = new PidfdInfo[1];
            out.add(probe("PIDFD_GET_INFO", "6.13", "read pid, ppid and creds", "info() reads /proc instead", false,
                    pidfd -> {
                        info[0] = pidfd_info(pidfd);
                        if (!info[0].fromIoctl()) {
                            throw new ErrnoException("ioctl", Errno.ENOTTY, "PIDFD_GET_INFO");
                        }
                    }, child.pidfd()));
            pidfd_send_signal(child.pidfd(), 9, 0);
            ExitStatus status = pidfd_wait(child.pidfd(), 0);
            out.add(new Feature("waitid P_PIDFD", "5.4", status.equals(ExitStatus.killed(9, false)), 0, "reaped: " + status,
                    "cannot wait", true));
            PidfdInfo after = null;
            int exitErrno = 0;
            try {
                after = pidfd_info(child.pidfd());
            } catch (ErrnoException e) {
                exitErrno = e.errno();
            }
            boolean exitInfo = after != null && after.exit() != null;
            out.add(new Feature("PIDFD_INFO_EXIT", "6.15", exitInfo, exitInfo ? 0 : exitErrno != 0 ? exitErrno : Errno.EINVAL,
                    exitInfo ? "status after reap: " + after.exit() : "", "a child reaped behind pidspawn's back reports its status as lost", false));
            out.add(spawnProbe("CLOSE_RANGE_UNSHARE", "5.9", "in a child", "the fd-table lever for spawn cost is off",
                    RunArgs.of(new SpawnAction.CloseRange(Integer.MAX_VALUE - 1, -1, CLOSE_RANGE_UNSHARE)), Map.of()));
            out.add(spawnProbe("user namespaces", "3.8", "a child in a new user namespace",
                    "the namespaces key with user fails at clone", RunArgs.none(), Map.of("namespaces", "user")));
            out.add(cgroupProbe());
        } catch (ErrnoException e) {
            out.add(new Feature("spawn", "5.11", false, e.errno(), "", "cannot spawn: " + e.getMessage(), true));
        } finally {
            closeQuietly(child == null ? -1 : child.pidfd());
            closeQuietly(b);
        }
        return out;
    }

    private interface PidfdCall {
        void call(int pidfd) throws ErrnoException;
    }

    private static Feature probe(String name, String since, String detail, String without, boolean required, PidfdCall call,
                                 int pidfd) {
        try {
            call.call(pidfd);
            return new Feature(name, since, true, 0, detail, without, required);
        } catch (ErrnoException e) {
            return new Feature(name, since, false, e.errno(), "", without, required);
        }
    }

    /** Runs `sleep 0` with extra keys and actions; the feature is there if it ran and exited 0. */
    private static Feature spawnProbe(String name, String since, String detail, String without, RunArgs args,
                                      Map<String, String> keys) {
        int b = -1;
        try {
            b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "sleep", 0);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, "sleep\0000\0".getBytes(), 0);
            for (Map.Entry<String, String> k : keys.entrySet()) {
                pidfd_config(b, PIDFD_CONFIG_SET_STRING, k.getKey(), k.getValue(), 0);
            }
            Spawned s = pidfd_spawn_run(b, args);
            ExitStatus status = pidfd_wait(s.pidfd(), 0);
            PidfdSpawn.close(s.pidfd());
            return new Feature(name, since, status.success(), status.success() ? 0 : Errno.EINVAL, detail, without, false);
        } catch (ErrnoException e) {
            return new Feature(name, since, false, e.errno(), "", without, false);
        } finally {
            closeQuietly(b);
        }
    }

    /** CLONE_INTO_CGROUP into the cgroup this process is in already. */
    private static Feature cgroupProbe() {
        String without = "the cgroup key fails at clone";
        String own = null;
        try {
            own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
                    .findFirst().map(l -> l.substring(3)).orElse(null);
        } catch (java.io.IOException e) {
            // reported as missing below
        }
        if (own == null || Cgroups.mountPoint() == null) {
            return new Feature("CLONE_INTO_CGROUP", "5.7", false, Errno.ENOENT, "", without + " (no cgroup2)", false);
        }
        return spawnProbe("CLONE_INTO_CGROUP", "5.7", "into " + own, without, RunArgs.none(), Map.of("cgroup", own));
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                PidfdSpawn.close(fd);
            } catch (ErrnoException ignored) {
                // probing
            }
        }
    }
}
