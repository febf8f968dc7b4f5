package io.pidspawn.internal.spawn;

import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_BINARY;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FD;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FLAG;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_PATH;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_STRING;

import io.pidspawn.Errno;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The sandbox keys: Landlock filesystem, network and scope rules, and seccomp filters. Both are
 * prepared when configured: every path is opened (O_PATH) and the Landlock ruleset is rebuilt
 * as each rule arrives, so a run only passes the ruleset fd to the child; the seccomp program is
 * compiled to its instructions. The child applies them last (the plan's tail): no_new_privs,
 * landlock_restrict_self, then seccomp, then exec.
 *
 * <p>Strict by default: a rule this kernel's Landlock cannot enforce is refused with EOPNOTSUPP
 * naming the right and the ABI it needs. After {@code sandbox.best-effort} such a rule is dropped
 * instead, with a warning line in the builder's log; the flag applies to the keys set after it.
 */
final class SandboxAttrs {
    /** What a path rule allows beneath it: read (and execute), read and write (and execute), or execute. */
    private enum Kind { READ, WRITE, EXECUTE }

    /**
     * A filesystem rule: a path held open with O_PATH, and what it allows beneath it. Once any
     * {@code landlock.exec} rule is given, read-only and read-write paths no longer allow
     * execution: only the exec paths do.
     */
    private record PathRule(String key, String path, int fd, boolean directory, Kind kind) {}

    private final List<PathRule> paths = new ArrayList<>();
    private final Set<Integer> connectPorts = new TreeSet<>();
    private final Set<Integer> bindPorts = new TreeSet<>();
    private boolean tcpRules;
    private long scopes;
    private boolean bestEffort;
    private boolean noTruncate; // best-effort on ABI < 3: truncation stays possible, said once in the log
    private int rulesetFd = -1;
    private String rulesetText;

    private final Set<Integer> denied = new LinkedHashSet<>();
    private final List<String> deniedNames = new ArrayList<>();
    private boolean denyNetwork;
    private SeccompFilter.Program program; // compiled from denied and denyNetwork
    private final List<SeccompFilter.Program> rawPrograms = new ArrayList<>();

    /** Applies one key; false when the key is not a sandbox key. Warnings go to {@code log}. */
    boolean apply(String key, ConfigValue v, Consumer<String> log) throws ConfigError {
        switch (key) {
            case "sandbox.best-effort" -> {
                v.expect(PIDFD_CONFIG_SET_FLAG);
                bestEffort = true;
            }
            case "landlock.ro", "landlock.rw", "landlock.exec" -> {
                v.expect(PIDFD_CONFIG_SET_STRING, PIDFD_CONFIG_SET_PATH, PIDFD_CONFIG_SET_FD);
                addPath(key, v, switch (key) {
                    case "landlock.rw" -> Kind.WRITE;
                    case "landlock.exec" -> Kind.EXECUTE;
                    default -> Kind.READ;
                }, log);
            }
            case "landlock.net.connect", "landlock.net.bind" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                Set<Integer> ports = ports(key, v.string());
                if (!supported(key, Landlock.ABI_NET, key.endsWith("connect") ? "LANDLOCK_ACCESS_NET_CONNECT_TCP"
                        : "LANDLOCK_ACCESS_NET_BIND_TCP", "TCP stays unrestricted", log)) {
                    return true;
                }
                Set<Integer> into = key.endsWith("connect") ? connectPorts : bindPorts;
                Set<Integer> before = new TreeSet<>(into);
                boolean hadRules = tcpRules;
                tcpRules = true;
                into.addAll(ports);
                try {
                    rebuild(key);
                } catch (ConfigError e) {
                    into.retainAll(before);
                    tcpRules = hadRules;
                    throw e;
                }
            }
            case "landlock.scope" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                long wanted = 0;
                for (String name : v.string().split(",")) {
                    switch (name.trim()) {
                        case "" -> { }
                        case "signal" -> wanted |= Landlock.SCOPE_SIGNAL;
                        case "abstract-unix" -> wanted |= Landlock.SCOPE_ABSTRACT_UNIX_SOCKET;
                        default -> throw ConfigError.of(key, Errno.EINVAL, "unknown scope \"" + name.trim()
                                + "\" (expected signal, abstract-unix)");
                    }
                }
                String rights = ((wanted & Landlock.SCOPE_SIGNAL) != 0 ? "LANDLOCK_SCOPE_SIGNAL" : "")
                        + ((wanted & Landlock.SCOPE_SIGNAL) != 0 && (wanted & Landlock.SCOPE_ABSTRACT_UNIX_SOCKET) != 0 ? ", " : "")
                        + ((wanted & Landlock.SCOPE_ABSTRACT_UNIX_SOCKET) != 0 ? "LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET" : "");
                if (wanted == 0 || !supported(key, Landlock.ABI_SCOPE, rights, "the scope stays open", log)) {
                    return true;
                }
                long before = scopes;
                scopes |= wanted;
                try {
                    rebuild(key);
                } catch (ConfigError e) {
                    scopes = before;
                    throw e;
                }
            }
            case "seccomp.deny-network" -> {
                v.expect(PIDFD_CONFIG_SET_FLAG);
                if (seccompAvailable(key, log)) {
                    denyNetwork = true;
                    recompile();
                }
            }
            case "seccomp.deny" -> {
                v.expect(PIDFD_CONFIG_SET_STRING);
                SeccompFilter.Arch arch = SeccompFilter.Arch.current();
                List<Integer> numbers = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (String name : v.string().split(",")) {
                    if (!name.isBlank()) {
                        numbers.add(SeccompFilter.checkName(key, name.trim(), arch));
                        names.add(name.trim());
                    }
                }
                if (numbers.isEmpty()) {
                    throw ConfigError.of(key, Errno.EINVAL, "no syscall named (expected NAME[,NAME...])");
                }
                if (seccompAvailable(key, log)) {
                    denied.addAll(numbers);
                    for (String n : names) {
                        if (!deniedNames.contains(n)) {
                            deniedNames.add(n);
                        }
                    }
                    recompile();
                }
            }
            case "seccomp.bpf" -> {
                v.expect(PIDFD_CONFIG_SET_BINARY);
                byte[] code = v.bytes().clone();
                SeccompFilter.validate(key, code);
                if (seccompAvailable(key, log)) {
                    rawPrograms.add(new SeccompFilter.Program(code, "seccomp filter #" + (rawPrograms.size() + 1)
                            + " as given (" + code.length / 8 + " instructions)"));
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Whether the child gets a sandbox, and so no_new_privs and the plan's tail. */
    boolean active() {
        return rulesetFd >= 0 || program != null || !rawPrograms.isEmpty();
    }

    private void addPath(String key, ConfigValue v, Kind kind, Consumer<String> log) throws ConfigError {
        String shown;
        int fd;
        switch (v.cmd()) {
            case PIDFD_CONFIG_SET_STRING -> {
                shown = v.string();
                if (!shown.startsWith("/")) {
                    // The log names the path: a rule is one of many, and the caller must see which.
                    throw ConfigError.of(key, Errno.EINVAL, "\"" + shown + "\" is relative; a rule takes an absolute path");
                }
                shown = v.absolutePath(); // and no longer than a path may be
                fd = Libc.openat(Libc.AT_FDCWD, shown, Libc.O_PATH | Libc.O_CLOEXEC, 0);
            }
            case PIDFD_CONFIG_SET_PATH -> {
                shown = v.path();
                fd = Libc.openat(v.dirfd(), shown, Libc.O_PATH | Libc.O_CLOEXEC, 0);
            }
            default -> {
                shown = "fd " + v.aux();
                fd = Libc.fcntl(v.openFd(), Libc.F_DUPFD_CLOEXEC, 3);
            }
        }
        if (fd < 0) {
            throw ConfigError.of(key, -fd, shown + ": cannot open (O_PATH)");
        }
        int[] err = {0};
        FileIdentity id = FileIdentity.ofFd(fd, err);
        if (id == null) {
            Libc.close(fd);
            throw ConfigError.of(key, -err[0], shown + ": cannot stat");
        }
        if (!supported(key, 1, "Landlock filesystem rules", "the path rule is dropped", log)) {
            Libc.close(fd);
            return;
        }
        if (Landlock.abi() < Landlock.ABI_TRUNCATE && !noTruncate) {
            String right = "LANDLOCK_ACCESS_FS_TRUNCATE";
            if (!bestEffort) {
                Libc.close(fd);
                throw ConfigError.of(key, Errno.ENOTSUP, unsupported(right, Landlock.ABI_TRUNCATE)
                        + ": a read-only file could still be truncated (use sandbox.best-effort to accept that)");
            }
            noTruncate = true;
            log.accept("w " + key + ": " + right + " needs Landlock ABI " + Landlock.ABI_TRUNCATE
                    + "; this kernel has " + Landlock.describe(Landlock.abi()) + ": dropped, truncate(2) stays allowed");
        }
        paths.add(new PathRule(key, shown, fd, id.isDirectory(), kind));
        try {
            rebuild(key);
        } catch (ConfigError e) {
            paths.removeLast(); // the previous ruleset stays: rebuild replaces it only when complete
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Whether a right of ABI {@code needed} can be enforced; if not, strict mode refuses the key
     * (EOPNOTSUPP) and best-effort logs the drop and returns false.
     */
    private boolean supported(String key, int needed, String right, String consequence, Consumer<String> log)
            throws ConfigError {
        int abi = Landlock.abi();
        if (abi >= needed) {
            return true;
        }
        if (!bestEffort) {
            throw ConfigError.of(key, Errno.ENOTSUP, unsupported(right, needed));
        }
        log.accept("w " + key + ": " + right + " needs Landlock ABI " + needed + "; this kernel has "
                + Landlock.describe(abi) + ": dropped, " + consequence);
        return false;
    }

    private static String unsupported(String right, int needed) {
        return right + " needs Landlock ABI " + needed + " (Linux " + Landlock.kernelOf(needed) + "); this kernel has "
                + Landlock.describe(Landlock.abi());
    }

    private boolean seccompAvailable(String key, Consumer<String> log) throws ConfigError {
        int r = Libc.seccompActionAvailable(SeccompFilter.RET_ERRNO);
        if (r == 0) {
            return true;
        }
        if (!bestEffort) {
            throw ConfigError.of(key, Errno.ENOTSUP, "seccomp filters with SECCOMP_RET_ERRNO are not available ("
                    + Errno.name(-r) + ")");
        }
        log.accept("w " + key + ": seccomp filters are not available (" + Errno.name(-r) + "): dropped");
        return false;
    }

    private static Set<Integer> ports(String key, String text) throws ConfigError {
        Set<Integer> out = new TreeSet<>();
        for (String p : text.split(",")) {
            if (p.isBlank()) {
                continue;
            }
            try {
                int port = Integer.parseInt(p.trim());
                if (port >= 0 && port <= 65535) {
                    out.add(port);
                    continue;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw ConfigError.of(key, Errno.EINVAL, "\"" + p.trim() + "\" is not a TCP port 0..65535");
        }
        return out;
    }

    /** Builds the ruleset again from every rule, and replaces the old one only once it is complete. */
    private void rebuild(String key) throws ConfigError {
        int abi = Landlock.abi();
        long fs = paths.isEmpty() ? 0 : Landlock.fsRights(abi);
        long net = tcpRules ? Landlock.NET_BIND_TCP | Landlock.NET_CONNECT_TCP : 0;
        int fd = Landlock.createRuleset(fs, net, scopes);
        if (fd < 0) {
            throw ConfigError.of(key, -fd, "landlock_create_ruleset");
        }
        try {
            // An exec open needs READ_FILE and EXECUTE: an exec path grants both (and READ_DIR).
            boolean execRules = paths.stream().anyMatch(r -> r.kind == Kind.EXECUTE);
            for (PathRule r : paths) {
                long access = switch (r.kind) {
                    case WRITE -> fs;
                    case READ, EXECUTE -> fs & Landlock.FS_READ_EXECUTE;
                };
                if (execRules && r.kind != Kind.EXECUTE) {
                    access &= ~Landlock.FS_EXECUTE;
                }
                if (!r.directory) {
                    access &= Landlock.FS_FILE_RIGHTS;
                }
                int e = Landlock.addPathRule(fd, r.fd, access);
                if (e < 0) {
                    throw ConfigError.of(key, -e, "landlock_add_rule " + r.path);
                }
            }
            for (int port : connectPorts) {
                int e = Landlock.addPortRule(fd, port, Landlock.NET_CONNECT_TCP);
                if (e < 0) {
                    throw ConfigError.of(key, -e, "landlock_add_rule connect to TCP port " + port);
                }
            }
            for (int port : bindPorts) {
                int e = Landlock.addPortRule(fd, port, Landlock.NET_BIND_TCP);
                if (e < 0) {
                    throw ConfigError.of(key, -e, "landlock_add_rule bind TCP port " + port);
                }
            }
        } catch (ConfigError e) {
            Libc.close(fd);
            throw e;
        }
        if (rulesetFd >= 0) {
            Libc.close(rulesetFd);
        }
        rulesetFd = fd;
        rulesetText = describeRuleset(abi);
    }

    private String describeRuleset(int abi) {
        List<String> parts = new ArrayList<>();
        long ro = paths.stream().filter(r -> r.kind == Kind.READ).count();
        long rw = paths.stream().filter(r -> r.kind == Kind.WRITE).count();
        long exec = paths.size() - ro - rw;
        if (!paths.isEmpty()) {
            parts.add(ro + " read-only and " + rw + " read-write paths" + (exec == 0 ? "" : ", execution only from " + exec));
        }
        if (tcpRules) {
            parts.add("TCP connect " + (connectPorts.isEmpty() ? "none" : connectPorts) + ", bind "
                    + (bindPorts.isEmpty() ? "none" : bindPorts));
        }
        if ((scopes & Landlock.SCOPE_SIGNAL) != 0) {
            parts.add("signal scope");
        }
        if ((scopes & Landlock.SCOPE_ABSTRACT_UNIX_SOCKET) != 0) {
            parts.add("abstract unix scope");
        }
        return "landlock_restrict_self (ABI " + abi + ": " + String.join(", ", parts) + ")";
    }

    private void recompile() {
        SeccompFilter.Program p = new SeccompFilter.Program(
                SeccompFilter.compile(SeccompFilter.Arch.current(), denied, denyNetwork), null);
        List<String> what = new ArrayList<>();
        if (denyNetwork) {
            what.add("network denied");
        }
        if (!deniedNames.isEmpty()) {
            what.add("deny " + String.join(",", deniedNames));
        }
        program = new SeccompFilter.Program(p.code(), "seccomp filter (" + String.join("; ", what) + "; "
                + p.instructions() + " instructions)");
    }

    /** The fd the child needs (the ruleset), or -1. */
    int rulesetFd() {
        return rulesetFd;
    }

    /** The plan's tail: no_new_privs, Landlock, the seccomp filters (the compiled one, then the raw ones). */
    void compile(CompiledPlan.Ops ops) {
        if (!active()) {
            return;
        }
        ops.add(SpawnStep.NO_NEW_PRIVS.code(), 0, 0, 0, null, 0, 0, "prctl PR_SET_NO_NEW_PRIVS (for the sandbox)");
        if (rulesetFd >= 0) {
            ops.add(SpawnStep.LANDLOCK.code(), rulesetFd, 0, 0, null, 0, 0, rulesetText);
        }
        if (program != null) {
            ops.add(SpawnStep.SECCOMP.code(), 0, 0, 0, program, 0, 0, program.what());
        }
        for (SeccompFilter.Program raw : rawPrograms) {
            ops.add(SpawnStep.SECCOMP.code(), 0, 0, 0, raw, 0, 0, raw.what());
        }
    }

    void release() {
        for (PathRule r : paths) {
            Libc.close(r.fd);
        }
        paths.clear();
        if (rulesetFd >= 0) {
            Libc.close(rulesetFd);
            rulesetFd = -1;
        }
    }
}
