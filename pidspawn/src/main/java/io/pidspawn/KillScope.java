package io.pidspawn;

/**
 * How far a tree-wide signal ({@link Child#killTree}, {@link Child#terminate}, an
 * {@link Command#output} timeout) reached: the strongest means the child had.
 */
public enum KillScope {
    /**
     * Every process in the cgroup the library created for the child: whatever it started, daemons
     * that called setsid() or forked twice included (cgroup.kill on cgroup v2; freeze, kill each,
     * thaw on v1).
     */
    CGROUP,
    /** The process group the child leads: what it started, except what left the group (setsid, setpgid). */
    PROCESS_GROUP,
    /** The child alone: it neither had a cgroup of its own nor led a process group. */
    CHILD
}
