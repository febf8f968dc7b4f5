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
    /** Creating the child: clone3 with CLONE_PIDFD, in the parent. */
    CLONE(1, "clone"),
    /** A {@code close} action of the run. */
    CLOSE(2, "close"),
    /** Placing a fd in the child with dup3: a {@code dup2} action, or a stdio fd the command set. */
    DUP2(3, "dup2"),
    /** Opening a file at a fd in the child (openat): an {@code open} action, or a stdio file the command set. */
    OPEN(4, "open"),
    /** An {@code fchdir} action of the run. */
    FCHDIR(5, "fchdir"),
    /** Changing to the working directory: the builder's {@code cwd} or a {@code chdir} action. */
    CHDIR(6, "chdir"),
    /** Closing the fds the child does not inherit (close_range). */
    CLOSE_RANGE(7, "close_range"),
    /** Setting the signal mask the program starts with. */
    SIGMASK(8, "sigmask"),
    /** Resetting signal dispositions to SIG_DFL. */
    SIGDEFAULT(9, "sigdefault"),
    /** The exec itself (execveat): ENOENT, EACCES, ENOEXEC and the like are reported here. */
    EXEC(10, "exec"),
    /** Waiting for the parent to write the uid and gid maps of a new user namespace. */
    USERNS_WAIT(11, "write id maps"),
    /** Starting a new session (setsid). */
    SETSID(12, "setsid"),
    /** Joining or creating a process group (setpgid). */
    SETPGID(13, "setpgid"),
    /** Making a terminal the controlling terminal of the new session (TIOCSCTTY). */
    SETCTTY(14, "set controlling terminal"),
    /** Setting a resource limit (setrlimit). */
    SETRLIMIT(15, "setrlimit"),
    /** Setting the file mode creation mask. */
    UMASK(16, "umask"),
    /** Setting the scheduling policy and priority. */
    SCHED(17, "sched_setscheduler"),
    /** Setting the nice value. */
    NICE(18, "setpriority"),
    /** Setting the supplementary groups. */
    SETGROUPS(19, "setgroups"),
    /** Changing the group id. */
    SETGID(20, "setgid"),
    /** Changing the user id. */
    SETUID(21, "setuid"),
    /** Resetting the effective ids to the real ones (POSIX_SPAWN_RESETIDS). */
    RESETIDS(22, "reset ids"),
    /** Setting the signal the child gets when its parent thread ends (PR_SET_PDEATHSIG). */
    PDEATHSIG(23, "set parent-death signal"),
    /** Setting no_new_privs, so that exec can grant no privilege. */
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

    /**
     * The trampoline's number for this step ({@code PS_STEP_*}); 0 and -1 for the Java-side steps.
     *
     * @return the step number
     */
    public int code() {
        return code;
    }

    /**
     * The short lower-case name used in messages: {@code dup2}, {@code exec}.
     *
     * @return the name, never null
     */
    public String label() {
        return label;
    }

    /**
     * The step with a trampoline number; an unknown number is a Java/C disagreement.
     *
     * @param code a step number, as {@link #code()} returns
     * @return the step with that number
     * @throws IllegalStateException if no step has that number
     */
    public static SpawnStep ofCode(int code) {
        for (SpawnStep s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalStateException("pidspawn: the trampoline reported unknown step " + code + "; please report");
    }
}
