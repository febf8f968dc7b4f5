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
    USER("user"), PID("pid"), MOUNT("mount"), UTS("uts"), IPC("ipc"), NET("net"), CGROUP("cgroup");

    private final String key;

    Namespace(String key) {
        this.key = key;
    }

    /** The name the {@code namespaces} builder key takes, as {@code uts}. */
    public String key() {
        return key;
    }
}
