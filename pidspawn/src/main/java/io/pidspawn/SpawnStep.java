package io.pidspawn;

/**
 * Where a spawn failed. The child-side steps carry the trampoline's step numbers
 * ({@code src/main/c/pidspawn_plan.h}); {@link #PREPARE} covers everything checked in the parent
 * before any child exists, and {@link #STOPPED} a child the library killed because it stayed
 * stopped before exec.
 */
public enum SpawnStep {
    /** Parent side, before clone: arguments, limits, the executable's identity. */
    PREPARE(0, "prepare"),
    /** The child was stopped before exec for too long and was killed (see SECURITY.md). */
    STOPPED(-1, "stopped before exec"),
    CLONE(1, "clone"),
    CLOSE(2, "close"),
    DUP2(3, "dup2"),
    OPEN(4, "open"),
    FCHDIR(5, "fchdir"),
    CHDIR(6, "chdir"),
    CLOSE_RANGE(7, "close_range"),
    SIGMASK(8, "sigmask"),
    SIGDEFAULT(9, "sigdefault"),
    EXEC(10, "exec"),
    USERNS_WAIT(11, "write id maps"),
    SETSID(12, "setsid"),
    SETPGID(13, "setpgid"),
    SETCTTY(14, "set controlling terminal"),
    SETRLIMIT(15, "setrlimit"),
    UMASK(16, "umask"),
    SCHED(17, "sched_setscheduler"),
    NICE(18, "setpriority"),
    SETGROUPS(19, "setgroups"),
    SETGID(20, "setgid"),
    SETUID(21, "setuid"),
    RESETIDS(22, "reset ids"),
    PDEATHSIG(23, "set parent-death signal"),
    NO_NEW_PRIVS(24, "set no_new_privs"),
    /** The Landlock ruleset the command's sandbox was compiled into, applied to the child. */
    LANDLOCK(30, "landlock_restrict_self"),
    /** A seccomp filter of the command's sandbox, installed last, just before exec. */
    SECCOMP(31, "seccomp"),
    /** Mount propagation in a new mount namespace, made private (or slave, shared) before anything else. */
    MOUNT_PROPAGATION(40, "mount propagation"),
    /** Joining the child's cgroup v1 hierarchies (cgroup v2 needs no step: the clone puts it there). */
    CGROUP_JOIN(50, "join cgroup"),
    /** A run's tcsetpgrp action: the child's process group becomes the terminal's foreground group. */
    TCSETPGRP(55, "tcsetpgrp");

    private final int code;
    private final String label;

    SpawnStep(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The trampoline's number for this step ({@code PS_STEP_*}); 0 and -1 for the Java-side steps. */
    public int code() {
        return code;
    }

    /** The short lower-case name used in messages: {@code dup2}, {@code exec}. */
    public String label() {
        return label;
    }

    /** The step with a trampoline number; an unknown number is a Java/C disagreement. */
    public static SpawnStep ofCode(int code) {
        for (SpawnStep s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalStateException("pidspawn: the trampoline reported unknown step " + code + "; please report");
    }
}
