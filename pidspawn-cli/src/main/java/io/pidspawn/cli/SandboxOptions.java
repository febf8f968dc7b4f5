package io.pidspawn.cli;

import io.pidspawn.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * The sandbox options of {@code run} and {@code batch}: each becomes a rule of one
 * {@link Sandbox}. A batch job's fields of the same names ({@code "ro"}, {@code "net"},
 * {@code "deny_syscall"}...) replace the batch command's options one by one ({@link #copy}).
 */
final class SandboxOptions {
    @Option(names = "--ro", paramLabel = "PATH", description = "Sandbox: PATH may be read and executed (repeatable; turns the filesystem sandbox on).")
    List<Path> ro = new ArrayList<>();

    @Option(names = "--rw", paramLabel = "PATH", description = "Sandbox: PATH may be read, written and executed (repeatable).")
    List<Path> rw = new ArrayList<>();

    @Option(names = "--exec", paramLabel = "PATH", description = {
            "Sandbox: the only paths programs may be executed from (repeatable); without it, --ro and --rw",
            "paths are executable. Name the dynamic loader's directory too (such as /usr)."})
    List<Path> exec = new ArrayList<>();

    @Option(names = "--net", paramLabel = "none|connect=PORT[,PORT...]", description = {
            "Sandbox: none (no socket but AF_UNIX, no io_uring) or TCP connect only to these ports."})
    String net;

    @Option(names = "--scope", paramLabel = "signal,abstract-unix", description = "Sandbox: no signals / abstract unix sockets outside it.")
    String scope;

    @Option(names = "--deny-syscall", paramLabel = "NAME[,NAME...]", description = "Sandbox: these syscalls fail with EPERM (repeatable).")
    List<String> denySyscalls = new ArrayList<>();

    @Option(names = "--sandbox-best-effort", description = "Sandbox: drop, with a warning, rules this kernel cannot enforce.")
    boolean bestEffort;

    /** A copy, for a batch job to change. */
    SandboxOptions copy() {
        SandboxOptions c = new SandboxOptions();
        c.ro = new ArrayList<>(ro);
        c.rw = new ArrayList<>(rw);
        c.exec = new ArrayList<>(exec);
        c.net = net;
        c.scope = scope;
        c.denySyscalls = new ArrayList<>(denySyscalls);
        c.bestEffort = bestEffort;
        return c;
    }

    /** The sandbox these options describe, or null when there is none; an error names the option. */
    Sandbox sandbox() {
        return sandbox(option -> "--" + option);
    }

    /**
     * The sandbox these settings describe, or null when there is none.
     *
     * @param name how an error names a setting, given its option name without dashes ({@code net}):
     *     {@code --net} for run, {@code "net"} for a batch job
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    Sandbox sandbox(UnaryOperator<String> name) {
        Sandbox.Builder b = Sandbox.builder();
        b.readOnly(ro.toArray(Path[]::new));
        b.readWrite(rw.toArray(Path[]::new));
        b.executable(exec.toArray(Path[]::new));
        if (net != null) {
            if (net.equals("none")) {
                b.denyNetwork();
            } else if (net.startsWith("connect=")) {
                List<Integer> ports = new ArrayList<>();
                for (String p : net.substring("connect=".length()).split(",")) {
                    try {
                        ports.add(Integer.parseInt(p.trim()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(name.apply("net") + " " + net + ": \"" + p + "\" is not a port");
                    }
                }
                try {
                    b.allowConnect(ports.stream().mapToInt(Integer::intValue).toArray());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name.apply("net") + " " + net + ": " + e.getMessage());
                }
            } else {
                throw new IllegalArgumentException(name.apply("net") + " " + net + ": expected none or connect=PORT[,PORT...]");
            }
        }
        if (scope != null) {
            for (String s : scope.split(",")) {
                switch (s.trim()) {
                    case "signal" -> b.scope(Sandbox.Scope.SIGNAL);
                    case "abstract-unix" -> b.scope(Sandbox.Scope.ABSTRACT_UNIX_SOCKET);
                    default -> throw new IllegalArgumentException(name.apply("scope") + " " + scope + ": \"" + s.trim()
                            + "\" is not signal or abstract-unix");
                }
            }
        }
        for (String list : denySyscalls) {
            for (String syscall : list.split(",")) {
                if (!syscall.isBlank()) {
                    b.denySyscalls(syscall.trim());
                }
            }
        }
        if (bestEffort) {
            b.bestEffort();
        }
        Sandbox s = b.build();
        return s.isEmpty() ? null : s;
    }
}
