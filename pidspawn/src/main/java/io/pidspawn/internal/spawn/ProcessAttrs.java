package io.pidspawn.internal.spawn;

import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FD;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FLAG;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_PATH;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING;

import io.pidspawn.Errno;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The builder keys that shape the child process itself: session and group, terminal, signals,
 * limits, umask, credentials, scheduling, cgroup, namespaces, parent-death signal and
 * no_new_privs. Each is validated when configured and compiled into plan ops in the order the
 * child must apply them (ids are dropped after everything that needs privilege, and the
 * parent-death signal is set after them, because changing ids clears it).
 */
final class ProcessAttrs {
    // linux/sched.h
    static final long CLONE_NEWNS = 0x00020000L, CLONE_NEWCGROUP = 0x02000000L, CLONE_NEWUTS = 0x04000000L,
            CLONE_NEWIPC = 0x08000000L, CLONE_NEWUSER = 0x10000000L, CLONE_NEWPID = 0x20000000L,
            CLONE_NEWNET = 0x40000000L, CLONE_INTO_CGROUP = 0x200000000L;

    static final Map<String, Long> NAMESPACES = Map.of("user", CLONE_NEWUSER, "pid", CLONE_NEWPID,
            "mount", CLONE_NEWNS, "uts", CLONE_NEWUTS, "ipc", CLONE_NEWIPC, "net", CLONE_NEWNET,
            "cgroup", CLONE_NEWCGROUP);

    /** RLIMIT_* names (sys/resource.h) in resource-number order. */
    static final List<String> RLIMITS = List.of("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
            "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME");

    static final Map<String, Integer> SCHED_POLICIES = Map.of("other", 0, "fifo", 1, "rr", 2, "batch", 3, "idle", 5);

    private static final long RLIM_INFINITY = -1L;

    /** What happens to the supplementary groups when uid or gid is set and groups is not. */
    enum GroupsOnIdChange { DROP, INITGROUPS, KEEP }

    // sys/mount.h
    static final int MS_REC = 0x4000, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
    /** mount-propagation values; 0 leaves the copied mounts as they are. */
    static final Map<String, Integer> PROPAGATIONS = Map.of("private", MS_PRIVATE, "slave", MS_SLAVE,
            "shared", MS_SHARED, "unchanged", 0);

    boolean setsid;
    int pgid = -1;
    int cttyFd = -1;
    Long sigmask;
    long sigdefault;
    final Map<Integer, long[]> rlimits = new TreeMap<>();
    int umask = -1;
    int schedPolicy = -1;
    int schedPriority = -1;
    Integer nice;
    int[] groups;
    int gid = -1;
    int uid = -1;
    GroupsOnIdChange groupsOnIdChange = GroupsOnIdChange.DROP;
    int[] userGroups; // the uid's own groups, for INITGROUPS
    boolean resetIds;
    int pdeathsig;
    boolean noNewPrivs;
    int cgroupFd = -1;
    long namespaces;
    String uidMap;
    String gidMap;
    int propagation = MS_PRIVATE;
    /** A cgroup of the child's own per run, with limits (cgroup.own, memory.max, ...). */
    final OwnCgroups own = new OwnCgroups();

    /** Applies one key; false when the key is not one of these. */
    boolean apply(String key, ConfigValue v) throws ConfigError {
        if (key.startsWith("rlimit.")) {
            v.expect(PIDFD_CONFIG_SET_STRING);
            setRlimit(key, key.substring("rlimit.".length()), v.string());
            return true;
        }
        switch (key) {
            case "setsid" -> {
                v.expect(PIDFD_CONFIG_SET_FLAG);
                setsid = true;
            }
            case "pgid" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                pgid = (int) v.integer(0, Integer.MAX_VALUE);
            }
            case "ctty" -> {
                v.expect(PIDFD_CONFIG_SET_FD);
                int source = v.openFd();
                if (!Libc.isatty(source)) {
                    throw ConfigError.of(key, Errno.ENOTTY, "not a terminal");
                }
                cttyFd = replace(cttyFd, dupHeld(key, source));
            }
            case "sigmask" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                sigmask = v.signalSet();
            }
            case "sigdefault" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                sigdefault = v.signalSet();
            }
            case "umask" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                String text = v.string();
                if (!text.matches("0?[0-7]{1,3}")) {
                    throw ConfigError.of(key, Errno.EINVAL, "expected an octal mode 000..777");
                }
                umask = Integer.parseInt(text, 8);
            }
            case "sched" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                setSched(key, v.string());
            }
            case "sched-priority" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                schedPriority = (int) v.integer(0, 99);
            }
            case "nice" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                nice = (int) v.integer(-20, 19);
            }
            case "uid" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                int id = privilegedId(key, v, Ids.EUID);
                resolveUserGroups(key, id, gid);
                uid = id;
            }
            case "gid" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                int id = privilegedId(key, v, Ids.egid());
                resolveUserGroups(key, uid, id);
                gid = id;
            }
            case "groups-on-id-change" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                setGroupsOnIdChange(key, v.string());
            }
            case "mount-propagation" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                Integer type = PROPAGATIONS.get(v.string().toLowerCase(Locale.ROOT));
                if (type == null) {
                    throw ConfigError.of(key, Errno.EINVAL, "\"" + v.string() + "\" is not one of "
                            + new java.util.TreeSet<>(PROPAGATIONS.keySet()));
                }
                if ((namespaces & CLONE_NEWNS) == 0) {
                    throw ConfigError.of(key, Errno.EINVAL, "applies to a new mount namespace only: set namespaces, with mount, first");
                }
                propagation = type;
            }
            case "groups" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                setGroups(key, v.string());
            }
            case "reset-ids" -> {
                v.expect(PIDFD_CONFIG_SET_FLAG);
                resetIds = true;
            }
            case "pdeathsig" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                pdeathsig = v.string().isEmpty() ? 0 : v.signal(v.string());
            }
            case "no-new-privs" -> {
                v.expect(PIDFD_CONFIG_SET_FLAG);
                noNewPrivs = true;
            }
            case "cgroup" -> {
                v.expect(PIDFD_CONFIG_SET_STRING, PIDFD_CONFIG_SET_PATH, PIDFD_CONFIG_SET_FD);
                if (own.wanted()) {
                    throw ConfigError.of(key, Errno.EINVAL, "the child already gets a cgroup of its own (cgroup.own or a limit); "
                            + "name where those go with cgroup.parent");
                }
                cgroupFd = replace(cgroupFd, Cgroups.open(key, v));
            }
            case "namespaces" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                namespaces = parseNamespaces(key, v.string());
            }
            case "uid_map" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                uidMap = idMap(key, v.string());
            }
            case "gid_map" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                gidMap = idMap(key, v.string());
            }
            default -> {
                if (cgroupFd >= 0 && (key.equals("cgroup.own") || key.equals("memory.max") || key.equals("memory.swap.max")
                        || key.equals("pids.max") || key.equals("cpu.max"))) {
                    throw ConfigError.of(key, Errno.EINVAL, "the child starts in the cgroup the cgroup key names; "
                            + "a cgroup of its own goes under cgroup.parent instead");
                }
                return own.apply(key, v);
            }
        }
        return true;
    }

    private void setRlimit(String key, String name, String value) throws ConfigError {
        int resource = RLIMITS.indexOf(name.toUpperCase(Locale.ROOT));
        if (resource < 0) {
            throw ConfigError.of(key, Errno.EINVAL, "unknown resource \"" + name + "\" (expected one of " + RLIMITS + ")");
        }
        String[] parts = value.split(":", -1);
        if (parts.length > 2) {
            throw ConfigError.of(key, Errno.EINVAL, "expected SOFT or SOFT:HARD, each a number or unlimited");
        }
        long[] current = Libc.getrlimit(resource);
        long soft = limit(key, parts[0]);
        long hard = parts.length == 2 ? limit(key, parts[1]) : current[1];
        if (Long.compareUnsigned(soft, hard) > 0) {
            throw ConfigError.of(key, Errno.EINVAL, "soft limit " + text(soft) + " exceeds hard limit " + text(hard));
        }
        if (Ids.EUID != 0 && Long.compareUnsigned(hard, current[1]) > 0) {
            throw ConfigError.of(key, Errno.EPERM, "raising the hard limit above " + text(current[1]) + " needs privilege");
        }
        rlimits.put(resource, new long[] {soft, hard});
    }

    private static long limit(String key, String text) throws ConfigError {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("unlimited") || t.equals("infinity")) {
            return RLIM_INFINITY;
        }
        try {
            long n = Long.parseLong(t);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ConfigError.of(key, Errno.EINVAL, "\"" + text + "\" is not a limit (a number or unlimited)");
    }

    private static String text(long limit) {
        return limit == RLIM_INFINITY ? "unlimited" : Long.toString(limit);
    }

    private void setSched(String key, String text) throws ConfigError {
        String[] parts = text.split(":", -1);
        Integer policy = SCHED_POLICIES.get(parts[0].toLowerCase(Locale.ROOT));
        if (policy == null || parts.length > 2) {
            throw ConfigError.of(key, Errno.EINVAL, "expected POLICY[:PRIORITY] with POLICY one of "
                    + SCHED_POLICIES.keySet());
        }
        boolean realtime = policy == 1 || policy == 2;
        int priority = parts.length == 2 ? parsePriority(key, parts[1]) : realtime ? 1 : 0;
        if (realtime != (priority > 0)) {
            throw ConfigError.of(key, Errno.EINVAL, realtime
                    ? "a real-time policy needs a priority 1..99" : "policy " + parts[0] + " takes priority 0");
        }
        schedPolicy = policy;
        schedPriority = priority;
    }

    private static int parsePriority(String key, String text) throws ConfigError {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 0 && p <= 99) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ConfigError.of(key, Errno.EINVAL, "priority \"" + text + "\" is not 0..99");
    }

    /** A uid or gid; changing to another one needs privilege unless the child gets its own user namespace. */
    private int privilegedId(String key, ConfigValue v, int current) throws ConfigError {
        int id = (int) v.integer(0, 0xfffffffeL);
        if (Ids.EUID != 0 && id != current && (namespaces & CLONE_NEWUSER) == 0) {
            throw ConfigError.of(key, Errno.EPERM, "changing to " + key + " " + id + " needs privilege (CAP_SETUID/CAP_SETGID)");
        }
        return id;
    }

    private void setGroups(String key, String text) throws ConfigError {
        List<Integer> list = new ArrayList<>();
        for (String g : text.split(",")) {
            if (g.isBlank()) {
                continue;
            }
            try {
                list.add(Integer.parseUnsignedInt(g.trim()));
            } catch (NumberFormatException e) {
                throw ConfigError.of(key, Errno.EINVAL, "\"" + g + "\" is not a group id");
            }
        }
        if (list.size() > 65536) {
            throw ConfigError.of(key, Errno.EINVAL, list.size() + " groups; NGROUPS_MAX is 65536");
        }
        if (Ids.EUID != 0 && (namespaces & CLONE_NEWUSER) == 0) {
            throw ConfigError.of(key, Errno.EPERM, "setting supplementary groups needs privilege (CAP_SETGID)");
        }
        groups = list.stream().mapToInt(Integer::intValue).toArray();
    }

    private void setGroupsOnIdChange(String key, String text) throws ConfigError {
        GroupsOnIdChange policy;
        try {
            policy = GroupsOnIdChange.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ConfigError.of(key, Errno.EINVAL, "\"" + text + "\" is not one of drop, initgroups, keep");
        }
        if (policy == GroupsOnIdChange.INITGROUPS) {
            if (uid < 0) {
                throw ConfigError.of(key, Errno.EINVAL, "initgroups takes the groups of the uid: set uid first");
            }
            if (Ids.EUID != 0 && (namespaces & CLONE_NEWUSER) == 0) {
                throw ConfigError.of(key, Errno.EPERM, "setting supplementary groups needs privilege (CAP_SETGID)");
            }
            userGroups = UserGroups.of(key, uid, gid);
        } else {
            userGroups = null;
        }
        groupsOnIdChange = policy;
    }

    /** With initgroups, the groups follow the uid (and the gid, their primary group): look them up again. */
    private void resolveUserGroups(String key, int newUid, int newGid) throws ConfigError {
        if (groupsOnIdChange == GroupsOnIdChange.INITGROUPS) {
            userGroups = UserGroups.of(key, newUid, newGid);
        }
    }

    /**
     * The supplementary groups the child gets on an id change when the groups key is not set,
     * or null to leave them. Only a root caller can change ids without a user namespace (the
     * uid and gid keys allow nothing else); in a user namespace a caller without privilege
     * made, setgroups is denied (the parent writes "deny" to /proc/PID/setgroups, which
     * unprivileged gid maps require), so the inherited groups cannot be dropped there and stay,
     * as Go's runtime leaves them.
     */
    private int[] groupsForIdChange() {
        if (groups != null || (uid < 0 && gid < 0)) {
            return null;
        }
        return switch (groupsOnIdChange) {
            case DROP -> Ids.EUID == 0 ? new int[0] : null;
            case INITGROUPS -> userGroups;
            case KEEP -> null;
        };
    }

    private static long parseNamespaces(String key, String text) throws ConfigError {
        long flags = 0;
        for (String name : text.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            Long flag = NAMESPACES.get(name.trim().toLowerCase(Locale.ROOT));
            if (flag == null) {
                throw ConfigError.of(key, Errno.EINVAL, "unknown namespace \"" + name.trim() + "\" (expected some of "
                        + new java.util.TreeSet<>(NAMESPACES.keySet()) + ")");
            }
            flags |= flag;
        }
        return flags;
    }

    /** A uid_map/gid_map text: lines of "inside outside count". */
    private static String idMap(String key, String text) throws ConfigError {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!line.trim().matches("\\d+\\s+\\d+\\s+[1-9]\\d*")) {
                throw ConfigError.of(key, Errno.EINVAL, "\"" + line + "\" is not INSIDE OUTSIDE COUNT");
            }
            out.append(line.trim().replaceAll("\\s+", " ")).append('\n');
        }
        if (out.isEmpty()) {
            throw ConfigError.of(key, Errno.EINVAL, "an empty map");
        }
        return out.toString();
    }

    /** The builder's own reference to a caller's fd. */
    static int dupHeld(String key, int source) throws ConfigError {
        int held = Libc.fcntl(source, Libc.F_DUPFD_CLOEXEC, 3);
        if (held < 0) {
            throw ConfigError.of(key, -held, "cannot hold a reference to fd " + source);
        }
        return held;
    }

    /** Installs a fd the builder now owns, closing the one it replaces. */
    private static int replace(int previous, int owned) {
        if (previous >= 0) {
            Libc.close(previous);
        }
        return owned;
    }

    /** The RLIMIT_STACK soft limit the child execs with: as configured, else this process's (-1: unlimited). */
    long stackSoftLimit() {
        long[] configured = rlimits.get(ArgLimits.RLIMIT_STACK);
        return configured != null ? configured[0] : Libc.getrlimitSoft(ArgLimits.RLIMIT_STACK);
    }

    /** Whether the child gets a user namespace whose id maps the parent must write. */
    boolean needsIdMaps() {
        return (namespaces & CLONE_NEWUSER) != 0;
    }

    /** The maps to write for a new user namespace: as configured, else the caller's own ids mapped to 0. */
    String effectiveUidMap() {
        return uidMap != null ? uidMap : "0 " + Ids.EUID + " 1\n";
    }

    String effectiveGidMap() {
        return gidMap != null ? gidMap : "0 " + Ids.egid() + " 1\n";
    }

    long cloneFlags() {
        return namespaces | (cgroupFd >= 0 ? CLONE_INTO_CGROUP : 0);
    }

    /**
     * The ops, in the order the child must apply them, before the fd and cwd set-up. With a
     * sandbox, no_new_privs is the sandbox's first step instead (see SandboxAttrs).
     */
    void compile(CompiledPlan.Ops ops, boolean sandboxed) {
        if ((namespaces & CLONE_NEWNS) != 0 && propagation != 0) {
            // First, before any other step can mount something.
            ops.add(SpawnStep.MOUNT_PROPAGATION.code(), 0, 0, MS_REC | propagation, null, 0, 0,
                    "make every mount " + propagationName() + " in the new mount namespace (mount / MS_REC|MS_"
                            + propagationName().toUpperCase(Locale.ROOT) + ")");
        }
        if (setsid || cttyFd >= 0) {
            ops.add(SpawnStep.SETSID.code(), 0, 0, 0, null, 0, 0, "setsid");
        }
        if (pgid >= 0) {
            ops.add(SpawnStep.SETPGID.code(), pgid, 0, 0, null, 0, 0, pgid == 0 ? "setpgid to its own group" : "setpgid " + pgid);
        }
        if (cttyFd >= 0) {
            ops.add(SpawnStep.SETCTTY.code(), cttyFd, 0, 0, null, 0, 0, "set controlling terminal (TIOCSCTTY)");
        }
        for (Map.Entry<Integer, long[]> r : rlimits.entrySet()) {
            ops.add(SpawnStep.SETRLIMIT.code(), r.getKey(), 0, 0, r.getValue(), 0, 0,
                    "setrlimit RLIMIT_" + RLIMITS.get(r.getKey()) + " " + text(r.getValue()[0]) + ":" + text(r.getValue()[1]));
        }
        if (umask >= 0) {
            ops.add(SpawnStep.UMASK.code(), 0, 0, 0, null, umask, 0, "umask " + Integer.toOctalString(umask));
        }
        if (schedPolicy >= 0 || schedPriority >= 0) {
            ops.add(SpawnStep.SCHED.code(), schedPolicy, Math.max(schedPriority, 0), 0, null, 0, 0,
                    schedPolicy >= 0 ? "sched_setscheduler policy " + schedPolicy + " priority " + Math.max(schedPriority, 0)
                            : "sched_setparam priority " + schedPriority);
        }
        if (nice != null) {
            ops.add(SpawnStep.NICE.code(), nice, 0, 0, null, 0, 0, "setpriority nice " + nice);
        }
        if (groups != null) {
            ops.add(SpawnStep.SETGROUPS.code(), groups.length, 0, 0, groups, 0, 0,
                    "setgroups " + java.util.Arrays.toString(groups));
        } else if (groupsForIdChange() != null) {
            int[] g = groupsForIdChange();
            ops.add(SpawnStep.SETGROUPS.code(), g.length, 0, 0, g, 0, 0, "setgroups " + java.util.Arrays.toString(g)
                    + (groupsOnIdChange == GroupsOnIdChange.DROP ? " (the id change drops the supplementary groups)"
                            : " (initgroups: the groups of uid " + Integer.toUnsignedString(uid) + ")"));
        }
        if (gid >= 0) {
            ops.add(SpawnStep.SETGID.code(), gid, 0, 0, null, 0, 0, "setgid " + gid);
        }
        if (uid >= 0) {
            ops.add(SpawnStep.SETUID.code(), uid, 0, 0, null, 0, 0, "setuid " + uid);
        }
        if (resetIds) {
            ops.add(SpawnStep.RESETIDS.code(), 0, 0, 0, null, 0, 0, "reset effective ids to the real ones");
        }
        if (pdeathsig != 0) {
            ops.add(SpawnStep.PDEATHSIG.code(), pdeathsig, 0, 0, null, 0, 0, "prctl PR_SET_PDEATHSIG " + pdeathsig);
        }
        if (noNewPrivs && !sandboxed) {
            ops.add(SpawnStep.NO_NEW_PRIVS.code(), 0, 0, 0, null, 0, 0, "prctl PR_SET_NO_NEW_PRIVS");
        }
        if (sigdefault != 0) {
            ops.add(SpawnStep.SIGDEFAULT.code(), 0, 0, 0, null, sigdefault, 0, "sigdefault " + Long.toHexString(sigdefault));
        }
        if (sigmask != null) {
            ops.add(SpawnStep.SIGMASK.code(), 0, 0, 0, null, sigmask, 0, "sigmask " + Long.toHexString(sigmask));
        }
    }

    private String propagationName() {
        for (Map.Entry<String, Integer> e : PROPAGATIONS.entrySet()) {
            if (e.getValue() == propagation) {
                return e.getKey();
            }
        }
        throw new AssertionError(propagation);
    }

    void release() {
        if (cttyFd >= 0) {
            Libc.close(cttyFd);
            cttyFd = -1;
        }
        if (cgroupFd >= 0) {
            Libc.close(cgroupFd);
            cgroupFd = -1;
        }
    }
}
