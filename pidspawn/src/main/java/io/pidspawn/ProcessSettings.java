package io.pidspawn;

import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FD;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FLAG;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_PATH;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING;

import io.pidspawn.internal.spawn.Cgroups;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The process-level settings of a {@link Command.Builder}: session and group, terminal, signals,
 * limits, umask, scheduling, credentials, parent-death signal, no_new_privs, cgroup and
 * namespaces. The setters refuse what is wrong whatever the system (IllegalArgumentException);
 * {@link #configure} sends each setting to the command's builder as its pidfd_config key, where
 * the UAPI checks what depends on the system (privilege, a cgroup that exists) and compiles it
 * into the child's plan.
 */
final class ProcessSettings {
    private boolean newSession;
    private int processGroup = -1;
    private int controllingTerminal = -1;
    private Long blocked; // a kernel sigset; null leaves the default, empty, mask
    private long defaults;
    private final Map<Resource, long[]> rlimits = new EnumMap<>(Resource.class);
    private int umask = -1;
    private SchedPolicy policy;
    private int priority;
    private Integer nice;
    private int[] groups;
    private Integer gid;
    private Integer uid;
    private String groupsOnIdChange; // null: the builder's default, drop
    private boolean resetIds;
    private int parentDeathSignal;
    private boolean noNewPrivileges;
    private String cgroupName; // as /proc/PID/cgroup names it
    private Path cgroupDir;
    private final EnumSet<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
    private String uidMap;
    private String gidMap;
    private MountPropagation propagation;
    private boolean ownCgroup;
    private String cgroupParent;
    private long memoryMax = -1;
    private long swapMax = -1;
    private long pidsMax = -1;
    private String cpuMax;
    private boolean killTreeOnClose;
    private boolean dieWithParent;

    void newSession() {
        newSession = true;
    }

    void processGroup(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("process group " + pgid + " is negative (0 gives the child its own group)");
        }
        processGroup = pgid;
    }

    void controllingTerminal(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd + " is negative");
        }
        controllingTerminal = fd;
    }

    void blockSignals(int... signals) {
        blocked = (blocked == null ? 0 : blocked) | signalSet(signals);
    }

    void defaultSignals(int... signals) {
        defaults |= signalSet(signals);
    }

    void rlimit(Resource resource, long soft, long hard) {
        Objects.requireNonNull(resource, "resource");
        checkLimit(resource, soft);
        checkLimit(resource, hard);
        if (Long.compareUnsigned(soft, hard) > 0) {
            throw new IllegalArgumentException("RLIMIT_" + resource + ": soft limit " + limitText(soft)
                    + " exceeds hard limit " + limitText(hard));
        }
        rlimits.put(resource, new long[] {soft, hard});
    }

    void umask(int mask) {
        if (mask < 0 || mask > 0777) {
            throw new IllegalArgumentException("umask 0" + Integer.toOctalString(mask) + " is outside 0..0777");
        }
        umask = mask;
    }

    void scheduling(SchedPolicy p, int prio) {
        Objects.requireNonNull(p, "policy");
        if (p.realtime() ? prio < 1 || prio > 99 : prio != 0) {
            throw new IllegalArgumentException("SCHED_" + p + " takes priority " + (p.realtime() ? "1..99" : "0") + ", not " + prio);
        }
        policy = p;
        priority = prio;
    }

    void nice(int value) {
        if (value < -20 || value > 19) {
            throw new IllegalArgumentException("nice " + value + " is outside -20..19");
        }
        nice = value;
    }

    void user(int id) {
        uid = checkId("uid", id);
    }

    void group(int id) {
        gid = checkId("gid", id);
    }

    void supplementaryGroups(int... ids) {
        for (int g : ids) {
            checkId("supplementary group", g);
        }
        groups = ids.clone();
    }

    void keepSupplementaryGroups() {
        groupsOnIdChange = "keep";
    }

    void initGroups() {
        groupsOnIdChange = "initgroups";
    }

    void resetIds() {
        resetIds = true;
    }

    void mountPropagation(MountPropagation p) {
        propagation = Objects.requireNonNull(p, "propagation");
    }

    void parentDeathSignal(int sig) {
        Signals.bit(sig); // checks 1..64
        parentDeathSignal = sig;
    }

    void noNewPrivileges() {
        noNewPrivileges = true;
    }

    void cgroup(Path dir) {
        cgroupDir = dir.toAbsolutePath();
        cgroupName = null;
    }

    void cgroup(String name) {
        if (!name.startsWith("/") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("cgroup \"" + name
                    + "\" is not a path from the cgroup2 root, as /proc/self/cgroup shows it (such as /jobs/build-7)");
        }
        cgroupName = name;
        cgroupDir = null;
    }

    void namespaces(Namespace... kinds) {
        for (Namespace n : kinds) {
            namespaces.add(Objects.requireNonNull(n, "namespace"));
        }
    }

    void uidMap(String map) {
        uidMap = checkMap("uid_map", map);
    }

    void gidMap(String map) {
        gidMap = checkMap("gid_map", map);
    }

    void ownCgroup() {
        ownCgroup = true;
    }

    void cgroupParent(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("cgroup parent \"" + path + "\" must start with / (as /proc/self/cgroup names a cgroup)");
        }
        cgroupParent = path;
    }

    void memoryMax(long bytes) {
        memoryMax = positive("memory max", bytes);
    }

    void swapMax(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("swap max " + bytes + " is negative");
        }
        swapMax = bytes;
    }

    void pidsMax(int tasks) {
        pidsMax = positive("pids max", tasks);
    }

    void cpuMax(double cpus) {
        if (!(cpus > 0) || cpus > 4096) {
            throw new IllegalArgumentException("cpu max " + cpus + " is not a number of CPUs above 0");
        }
        cpuMax = Double.toString(cpus);
    }

    void killTreeOnClose() {
        killTreeOnClose = true;
    }

    boolean killsTreeOnClose() {
        return killTreeOnClose;
    }

    void dieWithParent() {
        dieWithParent = true;
    }

    boolean diesWithParent() {
        return dieWithParent;
    }

    /** Whether every child gets a cgroup of its own (asked for, or implied by a limit). */
    boolean hasOwnCgroup() {
        return ownCgroup || memoryMax >= 0 || swapMax >= 0 || pidsMax >= 0 || cpuMax != null;
    }

    /** Whether each child leads a process group of its own (a new session, or group 0). */
    boolean leadsGroup() {
        return newSession || processGroup == 0 || controllingTerminal >= 0;
    }

    /** Whether the command decides the child's process group or session itself. */
    boolean setsGroup() {
        return newSession || processGroup >= 0 || controllingTerminal >= 0;
    }

    private static long positive(String what, long n) {
        if (n <= 0) {
            throw new IllegalArgumentException(what + " " + n + " is not positive");
        }
        return n;
    }

    /** The cgroup directory children start in, or null; a name is resolved against the cgroup2 mount now. */
    Path cgroupDirectory() {
        if (cgroupDir != null) {
            return cgroupDir;
        }
        Path root = cgroupName == null ? null : Cgroups.mountPoint();
        return root == null ? null : Path.of(root + cgroupName);
    }

    /**
     * The Command.Builder call that sets builder key {@code key} (to {@code value}, as the builder
     * got it), for a refusal's message: {@code rlimit(Resource.NOFILE, 1024, 4096)}.
     */
    String setting(String key, String value) {
        String v = value == null ? "" : value;
        if (key.startsWith("rlimit.")) {
            String resource = key.substring("rlimit.".length());
            return "rlimit(Resource." + resource + ", " + v.replace(":", ", ") + ")";
        }
        return switch (key) {
            case "namespaces" -> "namespaces(" + v + ")";
            case "uid_map" -> "uidMap(" + ConfigException.quote(v) + ")";
            case "gid_map" -> "gidMap(" + ConfigException.quote(v) + ")";
            case "setsid" -> "newSession()";
            case "pgid" -> "processGroup(" + v + ")";
            case "ctty" -> "controllingTerminal(" + controllingTerminal + ")";
            case "sigmask" -> "blockSignals(" + v + ")";
            case "sigdefault" -> "defaultSignals(" + v + ")";
            case "umask" -> "umask(0" + v + ")";
            case "sched" -> policy == null ? "scheduling(" + v + ")" : "scheduling(SchedPolicy." + policy + ", " + priority + ")";
            case "nice" -> "nice(" + v + ")";
            case "groups" -> "supplementaryGroups(" + v + ")";
            case "gid" -> "group(" + v + ")";
            case "uid" -> "user(" + v + ")";
            case "reset-ids" -> "resetIds()";
            case "pdeathsig" -> "parentDeathSignal(" + v + ")";
            case "no-new-privs" -> "noNewPrivileges()";
            case "cgroup" -> "cgroup(" + ConfigException.quote(v) + ")";
            default -> "build() (builder key " + key + (v == null ? "" : " " + ConfigException.quote(v)) + ")";
        };
    }

    /** Sends every setting to the builder, each as its key (see ProcessAttrs for how the UAPI reads them). */
    void configure(int b) throws ErrnoException {
        // Namespaces first: in a new user namespace the ids below need no privilege, which the
        // builder checks as each id arrives.
        if (!namespaces.isEmpty()) {
            StringJoiner names = new StringJoiner(",");
            namespaces.forEach(n -> names.add(n.key()));
            string(b, "namespaces", names.toString());
        }
        if (uidMap != null) {
            string(b, "uid_map", uidMap);
        }
        if (gidMap != null) {
            string(b, "gid_map", gidMap);
        }
        if (propagation != null) {
            if (!namespaces.contains(Namespace.MOUNT)) {
                throw new IllegalArgumentException("mount propagation " + propagation
                        + " applies to a new mount namespace: add namespaces(Namespace.MOUNT)");
            }
            string(b, "mount-propagation", propagation.key());
        }
        if (newSession) {
            flag(b, "setsid");
        }
        if (processGroup >= 0) {
            string(b, "pgid", Integer.toString(processGroup));
        }
        if (controllingTerminal >= 0) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FD, "ctty", (String) null, controllingTerminal);
        }
        if (blocked != null) {
            string(b, "sigmask", signalList(blocked));
        }
        if (defaults != 0) {
            string(b, "sigdefault", signalList(defaults));
        }
        for (Map.Entry<Resource, long[]> r : rlimits.entrySet()) {
            string(b, "rlimit." + r.getKey(), limitText(r.getValue()[0]) + ":" + limitText(r.getValue()[1]));
        }
        if (umask >= 0) {
            string(b, "umask", Integer.toOctalString(umask));
        }
        if (policy != null) {
            string(b, "sched", policy.name().toLowerCase(java.util.Locale.ROOT) + ":" + priority);
        }
        if (nice != null) {
            string(b, "nice", nice.toString());
        }
        if (groups != null) {
            StringJoiner list = new StringJoiner(",");
            for (int g : groups) {
                list.add(Integer.toUnsignedString(g));
            }
            string(b, "groups", list.toString());
        }
        if (gid != null) {
            string(b, "gid", Integer.toUnsignedString(gid));
        }
        if (uid != null) {
            string(b, "uid", Integer.toUnsignedString(uid));
        }
        if (groupsOnIdChange != null) {
            if (groups != null) {
                throw new IllegalArgumentException("supplementaryGroups(...) and "
                        + (groupsOnIdChange.equals("keep") ? "keepSupplementaryGroups()" : "initGroups()")
                        + " exclude each other");
            }
            if (groupsOnIdChange.equals("initgroups") && uid == null) {
                throw new IllegalArgumentException("initGroups() takes the groups of the user: set user(uid) too");
            }
            string(b, "groups-on-id-change", groupsOnIdChange);
        }
        if (resetIds) {
            flag(b, "reset-ids");
        }
        if (parentDeathSignal != 0 || dieWithParent) {
            string(b, "pdeathsig", Integer.toString(parentDeathSignal != 0 ? parentDeathSignal : Signals.SIGKILL));
        }
        if (noNewPrivileges) {
            flag(b, "no-new-privs");
        }
        if (cgroupName != null) {
            string(b, "cgroup", cgroupName);
        }
        if (cgroupDir != null) {
            PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_PATH, "cgroup", cgroupDir.toString(), PidfdSpawn.AT_FDCWD);
        }
        if (cgroupParent != null) {
            string(b, "cgroup.parent", cgroupParent);
        }
        if (ownCgroup) {
            flag(b, "cgroup.own");
        }
        if (memoryMax >= 0) {
            string(b, "memory.max", Long.toString(memoryMax));
        }
        if (swapMax >= 0) {
            string(b, "memory.swap.max", Long.toString(swapMax));
        }
        if (pidsMax >= 0) {
            string(b, "pids.max", Long.toString(pidsMax));
        }
        if (cpuMax != null) {
            string(b, "cpu.max", cpuMax);
        }
    }

    private static void string(int b, String key, String value) throws ErrnoException {
        PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, key, value, 0);
    }

    private static void flag(int b, String key) throws ErrnoException {
        PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_FLAG, key, (String) null, 0);
    }

    private static long signalSet(int... signals) {
        long set = 0;
        for (int sig : signals) {
            set |= Signals.bit(sig);
        }
        return set;
    }

    /** "10,15": the signals of a set, by number. */
    private static String signalList(long set) {
        StringJoiner list = new StringJoiner(",");
        for (int sig = 1; sig <= Signals.MAX; sig++) {
            if ((set & Signals.bit(sig)) != 0) {
                list.add(Integer.toString(sig));
            }
        }
        return list.toString();
    }

    private static void checkLimit(Resource resource, long limit) {
        if (limit < 0 && limit != Resource.UNLIMITED) {
            throw new IllegalArgumentException("RLIMIT_" + resource + ": limit " + limit + " is negative (use Resource.UNLIMITED)");
        }
    }

    private static String limitText(long limit) {
        return limit == Resource.UNLIMITED ? "unlimited" : Long.toString(limit);
    }

    /** Ids are unsigned; -1 (4294967295) means "no change" to the kernel, so it is no id. */
    private static int checkId(String what, int id) {
        if (id == -1) {
            throw new IllegalArgumentException(what + " -1 (4294967295) is not an id");
        }
        return id;
    }

    private static String checkMap(String key, String map) {
        if (map.isBlank() || map.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(key + " \"" + map + "\" is not lines of INSIDE OUTSIDE COUNT");
        }
        return map;
    }
}
