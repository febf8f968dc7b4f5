package io.pidspawn;

/**
 * Namespaces a child can get new instances of at clone time ({@code CLONE_NEW*}, Linux 5.3 for
 * clone3). All but {@link #USER} need CAP_SYS_ADMIN unless the child also gets a new user
 * namespace, in which it is root.
 *
 * <pre>{@code
 * Command sandboxed = Command.builder("tool")
 *         .namespaces(Namespace.USER, Namespace.NET, Namespace.UTS)   // no network, own hostname
 *         .build();
 * }</pre>
 */
public enum Namespace {
    /** A user namespace (CLONE_NEWUSER): the child's uids and gids are mapped, and it may be root inside. */
    USER("user"),
    /** A pid namespace (CLONE_NEWPID): the child is pid 1 of a new tree of processes. */
    PID("pid"),
    /** A mount namespace (CLONE_NEWNS): mounts the child makes are its own. */
    MOUNT("mount"),
    /** A UTS namespace (CLONE_NEWUTS): its own host name and domain name. */
    UTS("uts"),
    /** An IPC namespace (CLONE_NEWIPC): its own System V IPC objects and POSIX message queues. */
    IPC("ipc"),
    /** A network namespace (CLONE_NEWNET): no network device but a loopback that is down. */
    NET("net"),
    /** A cgroup namespace (CLONE_NEWCGROUP): its cgroup is the root of the hierarchy it sees. */
    CGROUP("cgroup");

    private final String key;

    Namespace(String key) {
        this.key = key;
    }

    /**
     * The name the {@code namespaces} builder key takes, as {@code uts}.
     *
     * @return the key's value, in lower case
     */
    public String key() {
        return key;
    }
}
