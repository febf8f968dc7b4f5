package io.pidspawn;

import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_BINARY;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FLAG;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING;

import io.pidspawn.uapi.PidfdSpawn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * What a child may touch: Landlock filesystem, network and scope rules and seccomp filters, as
 * one immutable value that any number of {@link Command}s share
 * ({@link Command.Builder#sandbox(Sandbox)}). Each command prepares it once, when it is built:
 * every path is opened then and the Landlock ruleset built, the seccomp program compiled; each
 * spawn only applies them in the child, after everything else and just before exec
 * (no_new_privs, landlock_restrict_self, seccomp). Programs the child execs, and their children,
 * stay confined.
 *
 * <p>The recipe for an agent's tool calls — the system read-only, the work tree read-write, a
 * private tmp, no network:
 *
 * <pre>{@code
 * Path tmp = Files.createTempDirectory("agent-tmp");          // private to this agent
 * Sandbox policy = Sandbox.agent(workTree, tmp);               // as below
 * try (Command rg = Command.builder("rg").cwd(workTree).env("TMPDIR", tmp.toString())
 *         .sandbox(policy).build()) {
 *     Output found = rg.output(SpawnOverrides.none().withArgs("-n", "TODO"), Capture.defaults());
 * }
 * // Sandbox.agent(workTree, tmp) is:
 * Sandbox.builder()
 *         .readOnly(Path.of("/"))
 *         .readWrite(workTree, tmp, Path.of("/dev/null"))
 *         .denyNetwork()
 *         .scope(Sandbox.Scope.SIGNAL, Sandbox.Scope.ABSTRACT_UNIX_SOCKET)
 *         .build();
 * }</pre>
 *
 * <p>Filesystem rules need Landlock (ABI 1, Linux 5.13), and by default ABI 3 (6.2), below which
 * a read-only file could still be truncated; TCP port rules ABI 4 (6.7); scopes ABI 6 (6.12).
 * By default a rule the kernel cannot enforce fails {@link Command.Builder#build()} with
 * EOPNOTSUPP naming the right and the ABI; with {@link Builder#bestEffort()} it is dropped and
 * the drop is logged. What each rule stops, and what it does not, is in docs/SECURITY.md.
 *
 * <p>Paths are passed as given: a relative or missing one fails {@code build()} (EINVAL, ENOENT)
 * naming the key and the path.
 */
public final class Sandbox {
    /** Landlock scopes (ABI 6): what the child may not reach outside its own sandbox. */
    public enum Scope {
        /** No signals to processes outside the sandbox (LANDLOCK_SCOPE_SIGNAL). */
        SIGNAL("signal"),
        /** No connecting to abstract unix sockets created outside it (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET). */
        ABSTRACT_UNIX_SOCKET("abstract-unix");

        private final String key;

        Scope(String key) {
            this.key = key;
        }

        /**
         * The name in the {@code landlock.scope} key and the CLI's {@code --scope}.
         *
         * @return the key's value
         */
        public String key() {
            return key;
        }
    }

    private final List<Path> readOnly;
    private final List<Path> readWrite;
    private final List<Path> executable;
    private final Set<Integer> connectPorts;
    private final Set<Integer> bindPorts;
    private final boolean tcpRules;
    private final boolean denyNetwork;
    private final Set<Scope> scopes;
    private final List<String> deniedSyscalls;
    private final List<byte[]> filters;
    private final boolean bestEffort;

    private Sandbox(Builder b) {
        this.readOnly = List.copyOf(b.readOnly);
        this.readWrite = List.copyOf(b.readWrite);
        this.executable = List.copyOf(b.executable);
        this.connectPorts = Collections.unmodifiableSet(new TreeSet<>(b.connectPorts));
        this.bindPorts = Collections.unmodifiableSet(new TreeSet<>(b.bindPorts));
        this.tcpRules = b.tcpRules;
        this.denyNetwork = b.denyNetwork;
        this.scopes = Collections.unmodifiableSet(EnumSet.copyOf(b.scopes));
        this.deniedSyscalls = List.copyOf(b.deniedSyscalls);
        this.filters = b.filters.stream().map(byte[]::clone).toList();
        this.bestEffort = b.bestEffort;
    }

    /**
     * A builder of a sandbox with no rule, which confines nothing until a rule is added.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The agent policy: everything read-only (and executable), {@code workTree}, {@code tmp} and
     * /dev/null read-write, no socket but AF_UNIX and no io_uring, no signals and no abstract unix
     * sockets outside the sandbox. Give the child {@code TMPDIR=tmp} too, so programs use it.
     *
     * @param workTree the directory the child works in, writable
     * @param tmp a directory for temporary files, writable
     * @return the sandbox
     */
    public static Sandbox agent(Path workTree, Path tmp) {
        return builder().readOnly(Path.of("/")).readWrite(workTree, tmp, Path.of("/dev/null")).denyNetwork()
                .scope(Scope.SIGNAL, Scope.ABSTRACT_UNIX_SOCKET).build();
    }

    /**
     * The paths the child may read and execute beneath.
     *
     * @return an unmodifiable list, empty without a filesystem rule
     */
    public List<Path> readOnly() {
        return readOnly;
    }

    /**
     * The paths the child may read, write and execute beneath.
     *
     * @return an unmodifiable list
     */
    public List<Path> readWrite() {
        return readWrite;
    }

    /**
     * The only paths the child may execute from, if any were given ({@link Builder#executable}).
     *
     * @return an unmodifiable list, in order; empty when execution follows the read-only and read-write paths
     */
    public List<Path> executable() {
        return executable;
    }

    /**
     * The TCP ports the child may connect to; empty with {@link #restrictsTcp()} means none.
     *
     * @return an unmodifiable set, in order
     */
    public Set<Integer> connectPorts() {
        return connectPorts;
    }

    /**
     * The TCP ports the child may bind; empty with {@link #restrictsTcp()} means none.
     *
     * @return an unmodifiable set, in order
     */
    public Set<Integer> bindPorts() {
        return bindPorts;
    }

    /**
     * Whether TCP connect and bind are limited to the ports given (Landlock ABI 4).
     *
     * @return true if TCP is restricted
     */
    public boolean restrictsTcp() {
        return tcpRules;
    }

    /**
     * Whether sockets other than AF_UNIX and io_uring are denied ({@link Builder#denyNetwork()}).
     *
     * @return true if the network is denied
     */
    public boolean deniesNetwork() {
        return denyNetwork;
    }

    /**
     * The Landlock scopes the child is confined to.
     *
     * @return an unmodifiable set
     */
    public Set<Scope> scopes() {
        return scopes;
    }

    /**
     * The syscalls that fail with EPERM, by name.
     *
     * @return an unmodifiable list
     */
    public List<String> deniedSyscalls() {
        return deniedSyscalls;
    }

    /**
     * Whether the sandbox has no rule at all.
     *
     * @return true if it confines nothing
     */
    public boolean isEmpty() {
        return readOnly.isEmpty() && readWrite.isEmpty() && executable.isEmpty() && !tcpRules && !denyNetwork && scopes.isEmpty()
                && deniedSyscalls.isEmpty() && filters.isEmpty();
    }

    /**
     * Sends this sandbox to a pidfd_spawn builder, key by key: {@code sandbox.best-effort},
     * {@code landlock.ro}, {@code landlock.rw}, {@code landlock.exec}, {@code landlock.net.connect},
     * {@code landlock.net.bind}, {@code landlock.scope}, {@code seccomp.deny-network},
     * {@code seccomp.deny}, {@code seccomp.bpf}. {@link Command.Builder#sandbox} does this for
     * a command; code on the UAPI calls it itself.
     *
     * @throws ErrnoException from the first key the builder refuses (its log has the line)
     * @param builderFd an open builder fd, from {@link PidfdSpawn#pidfd_spawn_open}
     */
    public void configure(int builderFd) throws ErrnoException {
        if (bestEffort) {
            PidfdSpawn.pidfd_config(builderFd, PIDFD_CONFIG_SET_FLAG, "sandbox.best-effort", (String) null, 0);
        }
        for (Path p : readOnly) {
            string(builderFd, "landlock.ro", p.toString());
        }
        for (Path p : readWrite) {
            string(builderFd, "landlock.rw", p.toString());
        }
        for (Path p : executable) {
            string(builderFd, "landlock.exec", p.toString());
        }
        if (tcpRules) {
            string(builderFd, "landlock.net.connect", ports(connectPorts));
            string(builderFd, "landlock.net.bind", ports(bindPorts));
        }
        if (!scopes.isEmpty()) {
            StringJoiner names = new StringJoiner(",");
            scopes.forEach(s -> names.add(s.key()));
            string(builderFd, "landlock.scope", names.toString());
        }
        if (denyNetwork) {
            PidfdSpawn.pidfd_config(builderFd, PIDFD_CONFIG_SET_FLAG, "seccomp.deny-network", (String) null, 0);
        }
        if (!deniedSyscalls.isEmpty()) {
            string(builderFd, "seccomp.deny", String.join(",", deniedSyscalls));
        }
        for (byte[] f : filters) {
            PidfdSpawn.pidfd_config(builderFd, PIDFD_CONFIG_SET_BINARY, "seccomp.bpf", f, 0);
        }
    }

    private static void string(int b, String key, String value) throws ErrnoException {
        PidfdSpawn.pidfd_config(b, PIDFD_CONFIG_SET_STRING, key, value, 0);
    }

    private static String ports(Set<Integer> ports) {
        StringJoiner j = new StringJoiner(",");
        ports.forEach(p -> j.add(p.toString()));
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Sandbox s)) {
            return false;
        }
        if (filters.size() != s.filters.size()) {
            return false;
        }
        for (int i = 0; i < filters.size(); i++) {
            if (!Arrays.equals(filters.get(i), s.filters.get(i))) {
                return false;
            }
        }
        return readOnly.equals(s.readOnly) && readWrite.equals(s.readWrite) && executable.equals(s.executable)
                && connectPorts.equals(s.connectPorts)
                && bindPorts.equals(s.bindPorts) && tcpRules == s.tcpRules && denyNetwork == s.denyNetwork
                && scopes.equals(s.scopes) && deniedSyscalls.equals(s.deniedSyscalls) && bestEffort == s.bestEffort;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(readOnly, readWrite, executable, connectPorts, bindPorts, tcpRules, denyNetwork, scopes, deniedSyscalls,
                bestEffort);
        for (byte[] f : filters) {
            h = 31 * h + Arrays.hashCode(f);
        }
        return h;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!readOnly.isEmpty()) {
            parts.add("ro=" + readOnly);
        }
        if (!readWrite.isEmpty()) {
            parts.add("rw=" + readWrite);
        }
        if (!executable.isEmpty()) {
            parts.add("exec=" + executable);
        }
        if (tcpRules) {
            parts.add("tcp connect=" + connectPorts + " bind=" + bindPorts);
        }
        if (denyNetwork) {
            parts.add("net=none");
        }
        if (!scopes.isEmpty()) {
            parts.add("scope=" + scopes);
        }
        if (!deniedSyscalls.isEmpty()) {
            parts.add("deny=" + deniedSyscalls);
        }
        if (!filters.isEmpty()) {
            parts.add(filters.size() + " BPF filters");
        }
        if (bestEffort) {
            parts.add("best-effort");
        }
        return "Sandbox" + parts;
    }

    /** Collects the rules; not thread-safe. Every method adds to what was set before. */
    public static final class Builder {
        private final List<Path> readOnly = new ArrayList<>();
        private final List<Path> readWrite = new ArrayList<>();
        private final List<Path> executable = new ArrayList<>();
        private final Set<Integer> connectPorts = new TreeSet<>();
        private final Set<Integer> bindPorts = new TreeSet<>();
        private boolean tcpRules;
        private boolean denyNetwork;
        private final Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        private final List<String> deniedSyscalls = new ArrayList<>();
        private final List<byte[]> filters = new ArrayList<>();
        private boolean bestEffort;

        private Builder() {}

        /**
         * Paths (directories: everything beneath) the child may read and execute. The first
         * {@code readOnly} or {@link #readWrite} turns the filesystem sandbox on: everything else
         * is then denied, for every right the kernel's Landlock handles.
         *
         * @param paths the paths; none may be null
         * @return this builder
         */
        public Builder readOnly(Path... paths) {
            readOnly.addAll(checked(paths));
            return this;
        }

        /**
         * Paths the child may read, write, create and remove in, and execute from.
         *
         * @param paths the paths; none may be null
         * @return this builder
         */
        public Builder readWrite(Path... paths) {
            readWrite.addAll(checked(paths));
            return this;
        }

        /**
         * The only paths (directories: everything beneath) the child may execute from, and read:
         * once one is given, {@link #readOnly} and {@link #readWrite} paths no longer allow
         * execution. Name the dynamic loader's directory too (the kernel opens it for exec like
         * the program), for example {@code /usr} on a merged-/usr system. Without any,
         * everything readable is executable. A script needs its interpreter here and only read
         * access to itself; mmap with PROT_EXEC is not a Landlock right, so a program can still
         * map code from any file it can read.
         *
         * @param paths the paths; none may be null
         * @return this builder
         */
        public Builder executable(Path... paths) {
            executable.addAll(checked(paths));
            return this;
        }

        /**
         * TCP connect only to these ports, and no TCP bind but {@link #allowBind} (Landlock ABI 4).
         * Without ports: no TCP at all. UDP and other protocols are not restricted by this; use
         * {@link #denyNetwork()} for that.
         *
         * @param ports TCP port numbers, 0 to 65535
         * @return this builder
         * @throws IllegalArgumentException if a port is out of range
         */
        public Builder allowConnect(int... ports) {
            tcpRules = true;
            for (int p : ports) {
                connectPorts.add(checkPort(p));
            }
            return this;
        }

        /**
         * TCP bind only to these ports (and connect only to {@link #allowConnect}'s).
         *
         * @param ports TCP port numbers, 0 to 65535
         * @return this builder
         * @throws IllegalArgumentException if a port is out of range
         */
        public Builder allowBind(int... ports) {
            tcpRules = true;
            for (int p : ports) {
                bindPorts.add(checkPort(p));
            }
            return this;
        }

        /**
         * No sockets but AF_UNIX (socket and socketpair fail with EACCES) and no io_uring (EPERM): a seccomp filter.
         *
         * @return this builder
         */
        public Builder denyNetwork() {
            denyNetwork = true;
            return this;
        }

        /**
         * Landlock scopes: no signals, or no abstract unix sockets, outside the sandbox (ABI 6).
         *
         * @param which the scopes; none may be null
         * @return this builder
         */
        public Builder scope(Scope... which) {
            for (Scope s : which) {
                scopes.add(Objects.requireNonNull(s, "scope"));
            }
            return this;
        }

        /**
         * Syscalls that fail with EPERM, by name (such as {@code ptrace}, {@code mount},
         * {@code bpf}); an unknown name fails {@link Command.Builder#build()} with EINVAL naming it.
         *
         * @param names syscall names, as in the kernel's syscall table
         * @return this builder
         * @throws IllegalArgumentException if a name is blank or has a comma
         */
        public Builder denySyscalls(String... names) {
            for (String n : names) {
                if (n == null || n.isBlank() || n.contains(",")) {
                    throw new IllegalArgumentException("not a syscall name: \"" + n + "\"");
                }
                deniedSyscalls.add(n.trim());
            }
            return this;
        }

        /**
         * A seccomp program of your own, installed after pidspawn's: classic BPF, an array of
         * struct sock_filter in native byte order. It is checked when the command is built
         * (length, opcodes, jumps, a return at the end). It must check the architecture itself,
         * and must allow execveat and exit_group.
         *
         * @param program the filter's bytes, copied; not null
         * @return this builder
         */
        public Builder seccompFilter(byte[] program) {
            filters.add(program.clone());
            return this;
        }

        /**
         * Drops, with a line in the builder's log, each rule the kernel cannot enforce, instead of failing.
         *
         * @return this builder
         */
        public Builder bestEffort() {
            bestEffort = true;
            return this;
        }

        /**
         * The sandbox with the rules given so far; the builder can go on to build others.
         *
         * @return the sandbox
         */
        public Sandbox build() {
            return new Sandbox(this);
        }

        private static List<Path> checked(Path... paths) {
            for (Path p : paths) {
                Objects.requireNonNull(p, "path");
            }
            return List.of(paths);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("TCP port " + port + " is outside 0..65535");
            }
            return port;
        }
    }
}
