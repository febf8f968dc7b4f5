package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.ChildCgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The builder keys for a cgroup of the child's own, created by the library for each run and
 * removed once the child is reaped and the cgroup is empty: {@code cgroup.own}, the limits
 * ({@code memory.max}, {@code memory.swap.max}, {@code pids.max}, {@code cpu.max}) and where to
 * create them ({@code cgroup.parent}).
 *
 * <p>Each controller is placed at config time where it works on this system: on cgroup v2 when
 * the parent's {@code cgroup.subtree_control} has it (or it can be enabled there), else on the
 * cgroup v1 hierarchy that has it mounted, else the key fails with EOPNOTSUPP naming what is
 * missing. The cgroup that contains the tree (for {@code cgroup.kill}) is a v2 one whenever a
 * cgroup2 file system is mounted, even with no controller in it (as on hybrid hosts), else the
 * v1 freezer hierarchy's.
 */
final class OwnCgroups {
    /** The name of every cgroup the library creates: pidspawn-JVMPID-SEQUENCE. */
    static final Pattern NAME = Pattern.compile("pidspawn-(\\d+)-(\\d+)");
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    boolean own;
    String parent; // as /proc/self/cgroup names a cgroup; null: this process's own in each hierarchy
    long memoryMax = -1;
    long swapMax = -1;
    long pidsMax = -1;
    long cpuQuotaMicros = -1;
    long cpuPeriodMicros = 100_000;
    /** Resolved where each part goes; recomputed when a key changes. */
    Layout layout;

    /**
     * Where a run's cgroups go: the v2 parent (or null) with the controllers enabled there, and the
     * v1 parent directory per controller placed on v1 (freezer too when there is no v2).
     */
    record Layout(Path v2Parent, Set<String> v2Controllers, Map<String, Path> v1Parents) {}

    boolean wanted() {
        return own || memoryMax >= 0 || swapMax >= 0 || pidsMax >= 0 || cpuQuotaMicros >= 0;
    }

    /** Applies one key; false when the key is not one of these. A refused key changes nothing. */
    boolean apply(String key, ConfigValue v) throws ConfigError {
        Object[] before = {own, parent, memoryMax, swapMax, pidsMax, cpuQuotaMicros, cpuPeriodMicros};
        try {
            return applyOne(key, v);
        } catch (ConfigError e) {
            own = (Boolean) before[0];
            parent = (String) before[1];
            memoryMax = (Long) before[2];
            swapMax = (Long) before[3];
            pidsMax = (Long) before[4];
            cpuQuotaMicros = (Long) before[5];
            cpuPeriodMicros = (Long) before[6];
            throw e;
        }
    }

    /**
     * What a run that asks for a cgroup of its own when possible ({@code RunArgs.ownCgroup}) gets:
     * this process's cgroups as parents, or null where the system offers none.
     */
    static OwnCgroups whenPossible() {
        return Defaults.INSTANCE;
    }

    private static final class Defaults {
        static final OwnCgroups INSTANCE = make();

        private static OwnCgroups make() {
            OwnCgroups o = new OwnCgroups();
            o.own = true;
            try {
                o.layout = o.resolve("cgroup.own");
                return o;
            } catch (ConfigError e) {
                return null;
            }
        }
    }

    private boolean applyOne(String key, ConfigValue v) throws ConfigError {
        switch (key) {
            case "cgroup.own" -> {
                v.expect(io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FLAG);
                own = true;
            }
            case "cgroup.parent" -> {
                v.expect(io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                String p = v.string();
                if (!p.startsWith("/") || p.contains("/../") || p.endsWith("/..")) {
                    throw ConfigError.of(key, Errno.EINVAL, "\"" + p + "\" is not a cgroup path starting with / (as /proc/self/cgroup names one)");
                }
                parent = p;
            }
            case "memory.max" -> {
                v.expect(io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                memoryMax = size(key, v.string());
            }
            case "memory.swap.max" -> {
                v.expect(io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                swapMax = size(key, v.string());
            }
            case "pids.max" -> {
                v.expect(io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                pidsMax = v.integer(1, Integer.MAX_VALUE);
            }
            case "cpu.max" -> {
                v.expect(io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING);
                setCpu(key, v.string());
            }
            default -> {
                return false;
            }
        }
        layout = resolve(key);
        return true;
    }

    /** A size in bytes, as {@link Cgroups#parseSize} reads it. */
    static long size(String key, String text) throws ConfigError {
        try {
            return Cgroups.parseSize(text);
        } catch (IllegalArgumentException e) {
            throw ConfigError.of(key, Errno.EINVAL, e.getMessage());
        }
    }

    /** "QUOTA PERIOD" in microseconds as cgroup v2 writes it, or a fraction of one CPU such as "0.5" or "2". */
    private void setCpu(String key, String text) throws ConfigError {
        String[] parts = text.trim().split("\\s+");
        try {
            if (parts.length == 2) {
                long quota = Long.parseLong(parts[0]);
                long period = Long.parseLong(parts[1]);
                if (quota < 1000 || period < 1000 || period > 1_000_000) {
                    throw ConfigError.of(key, Errno.EINVAL, "quota must be at least 1000 us and the period 1000..1000000 us");
                }
                cpuQuotaMicros = quota;
                cpuPeriodMicros = period;
                return;
            }
            double cpus = Double.parseDouble(parts[0]);
            if (parts.length == 1 && cpus > 0 && cpus <= 4096) {
                cpuPeriodMicros = 100_000;
                cpuQuotaMicros = Math.max(1000, Math.round(cpus * cpuPeriodMicros));
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ConfigError.of(key, Errno.EINVAL, "\"" + text + "\" is not a number of CPUs (such as 0.5) or \"QUOTA PERIOD\" in microseconds");
    }

    private Set<String> controllersWanted() {
        Set<String> c = new java.util.TreeSet<>();
        if (memoryMax >= 0 || swapMax >= 0) {
            c.add("memory");
        }
        if (pidsMax >= 0) {
            c.add("pids");
        }
        if (cpuQuotaMicros >= 0) {
            c.add("cpu");
        }
        return c;
    }

    /** Places every part on this system's hierarchies, or fails naming what is missing. */
    private Layout resolve(String key) throws ConfigError {
        List<Cgroups.Hierarchy> all = Cgroups.hierarchies();
        Map<String, String> mine = Cgroups.ownCgroups();
        Path v2Parent = null;
        Set<String> v2Available = Set.of();
        String v2Why = "no cgroup2 file system is mounted";
        for (Cgroups.Hierarchy h : all) {
            if (h.v2()) {
                String path = parent != null ? parent : mine.getOrDefault("", "/");
                Path dir = Cgroups.directory(h, path);
                if (dir == null || !Files.isDirectory(dir)) {
                    v2Why = "cgroup v2 parent " + (dir == null ? path : dir) + " does not exist";
                    continue;
                }
                v2Parent = dir;
                String sub = Cgroups.read(dir.resolve("cgroup.subtree_control"));
                String available = Cgroups.read(dir.resolve("cgroup.controllers"));
                v2Available = words(available);
                v2Why = "cgroup v2 at " + dir + " offers controllers [" + (available == null ? "" : available.trim()) + "]";
                v2Available = enabledOrEnable(dir, new java.util.TreeSet<>(words(sub)), v2Available);
                break;
            }
        }
        Set<String> v2Controllers = new java.util.TreeSet<>();
        Map<String, Path> v1 = new LinkedHashMap<>();
        for (String c : controllersWanted()) {
            if (v2Parent != null && v2Available.contains(c)) {
                v2Controllers.add(c);
                continue;
            }
            Path dir = v1Parent(all, mine, c);
            if (dir == null) {
                throw ConfigError.of(key, Errno.ENOTSUP, "the " + c + " controller is not usable: " + v2Why
                        + ", and no cgroup v1 " + c + " hierarchy is mounted with " + (parent != null ? parent : "this process's cgroup") + " in it");
            }
            v1.put(c, dir);
        }
        if (v1.containsKey("memory") && swapMax >= 0) {
            if (memoryMax < 0) {
                throw ConfigError.of(key, Errno.EINVAL, "on cgroup v1 memory.swap.max needs memory.max too (v1 limits memory and swap together)");
            }
            if (!Files.exists(v1.get("memory").resolve("memory.memsw.limit_in_bytes"))) {
                throw ConfigError.of(key, Errno.ENOTSUP, "swap accounting is off (no memory.memsw.limit_in_bytes in " + v1.get("memory") + ")");
            }
        }
        if (v2Parent == null) {
            // The tree is contained by the freezer: frozen, nothing forks while it is killed.
            Path freezer = v1Parent(all, mine, "freezer");
            if (freezer == null) {
                if (own) {
                    throw ConfigError.of(key, Errno.ENOTSUP, "a cgroup of the child's own needs cgroup v2 or a cgroup v1 freezer: " + v2Why
                            + ", and no v1 freezer hierarchy is mounted");
                }
            } else {
                v1.put("freezer", freezer);
            }
        }
        // Peak memory and OOM kills are measured wherever a memory controller can be had.
        if (!v2Controllers.contains("memory") && !v1.containsKey("memory")) {
            if (v2Parent != null && v2Available.contains("memory")) {
                v2Controllers.add("memory");
            } else {
                Path mem = v1Parent(all, mine, "memory");
                if (mem != null) {
                    v1.put("memory", mem);
                }
            }
        }
        for (Map.Entry<String, Path> e : v1.entrySet()) {
            if (!Files.isWritable(e.getValue())) {
                throw ConfigError.of(key, Errno.EACCES, "cannot create cgroups in " + e.getValue() + " (" + e.getKey() + ", cgroup v1)");
            }
        }
        if (v2Parent != null && !Files.isWritable(v2Parent)) {
            throw ConfigError.of(key, Errno.EACCES, "cannot create cgroups in " + v2Parent + " (cgroup v2): name a delegated parent with cgroup.parent");
        }
        return new Layout(v2Parent, Set.copyOf(v2Controllers), Map.copyOf(v1));
    }

    /** The v2 controllers usable for children of dir: those enabled in its subtree_control, after enabling the wanted ones it offers. */
    private Set<String> enabledOrEnable(Path dir, Set<String> enabled, Set<String> offered) {
        for (String c : controllersWanted()) {
            if (!enabled.contains(c) && offered.contains(c)
                    && Cgroups.write(dir.resolve("cgroup.subtree_control"), "+" + c) == 0) {
                enabled.add(c);
            }
        }
        return enabled;
    }

    private Path v1Parent(List<Cgroups.Hierarchy> all, Map<String, String> mine, String controller) {
        for (Cgroups.Hierarchy h : all) {
            if (!h.v2() && h.controllers().contains(controller)) {
                Path dir = Cgroups.directory(h, parent != null ? parent : mine.getOrDefault(controller, "/"));
                return dir != null && Files.isDirectory(dir) ? dir : null;
            }
        }
        return null;
    }

    private static Set<String> words(String text) {
        if (text == null || text.isBlank()) {
            return Set.of();
        }
        return Set.of(text.trim().split("\\s+"));
    }

    // ---- per run ----

    /**
     * Creates this run's cgroups with their limits. The caller clones into {@link
     * ChildCgroup#cloneFd()} (v2) and has the child write to each of {@link ChildCgroup#joinFds()}
     * (v1), which are at lowestFd or above; on failure everything made here is removed.
     */
    ChildCgroup create(int lowestFd) throws io.pidspawn.ErrnoException {
        Layout l = layout;
        String name = "pidspawn-" + Libc.getpid() + "-" + SEQUENCE.incrementAndGet();
        List<Path> made = new ArrayList<>();
        try {
            Path v2 = null;
            if (l.v2Parent() != null) {
                sweepStale(l.v2Parent());
                v2 = make(l.v2Parent().resolve(name), made);
                if (memoryMax >= 0 && l.v2Controllers().contains("memory")) {
                    set(v2.resolve("memory.max"), Long.toString(memoryMax));
                }
                if (swapMax >= 0 && l.v2Controllers().contains("memory")) {
                    set(v2.resolve("memory.swap.max"), Long.toString(swapMax));
                }
                if (pidsMax >= 0 && l.v2Controllers().contains("pids")) {
                    set(v2.resolve("pids.max"), Long.toString(pidsMax));
                }
                if (cpuQuotaMicros >= 0 && l.v2Controllers().contains("cpu")) {
                    set(v2.resolve("cpu.max"), cpuQuotaMicros + " " + cpuPeriodMicros);
                }
            }
            Map<String, Path> v1 = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : l.v1Parents().entrySet()) {
                sweepStale(e.getValue());
                Path dir = make(e.getValue().resolve(name), made);
                v1.put(e.getKey(), dir);
                switch (e.getKey()) {
                    case "memory" -> {
                        if (memoryMax >= 0) {
                            set(dir.resolve("memory.limit_in_bytes"), Long.toString(memoryMax));
                            if (swapMax >= 0) {
                                set(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(memoryMax + swapMax));
                            }
                        }
                    }
                    case "pids" -> set(dir.resolve("pids.max"), Long.toString(pidsMax));
                    case "cpu" -> {
                        set(dir.resolve("cpu.cfs_period_us"), Long.toString(cpuPeriodMicros));
                        set(dir.resolve("cpu.cfs_quota_us"), Long.toString(cpuQuotaMicros));
                    }
                    default -> { }
                }
            }
            ChildCgroup c = ChildCgroup.open(v2, l.v2Controllers().contains("memory"), v1, lowestFd);
            made.clear();
            return c;
        } finally {
            for (int i = made.size() - 1; i >= 0; i--) {
                Libc.rmdir(made.get(i).toString());
            }
        }
    }

    private static Path make(Path dir, List<Path> made) throws io.pidspawn.ErrnoException {
        int r = Libc.mkdir(dir.toString(), 0755);
        if (r < 0) {
            throw new io.pidspawn.ErrnoException("mkdir", -r, "cgroup " + dir);
        }
        made.add(dir);
        return dir;
    }

    private static void set(Path file, String value) throws io.pidspawn.ErrnoException {
        int r = Cgroups.write(file, value);
        if (r < 0) {
            throw new io.pidspawn.ErrnoException("write", -r, file + " := " + value);
        }
    }

    /**
     * Removes, once per parent and JVM, the empty cgroups a JVM that is gone left behind (killed
     * before it could remove them). A populated one is left alone: its processes outlived their
     * owner, which they may (only {@code die-with-parent} says otherwise).
     */
    static void sweepStale(Path parentDir) {
        if (!SWEPT.add(parentDir)) {
            return;
        }
        try (var entries = Files.newDirectoryStream(parentDir, "pidspawn-*")) {
            for (Path p : entries) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    int pid = Integer.parseInt(m.group(1));
                    if (pid != Libc.getpid() && Libc.kill(pid, 0) == -Errno.ESRCH) {
                        Libc.rmdir(p.toString()); // EBUSY while populated
                    }
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // nothing to sweep
        }
    }
}
