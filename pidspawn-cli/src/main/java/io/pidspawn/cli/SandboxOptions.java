package io.pidspawn.cli;

import io.pidspawn.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The sandbox options of {@code run}: each becomes a rule of one {@link Sandbox}. */
final class SandboxOptions {
    @Option(names = "--ro", paramLabel = "PATH", description = "Sandbox: PATH may be read and executed (repeatable; turns the filesystem sandbox on).")
    List<Path> ro = new ArrayList<>();

    @Option(names = "--rw", paramLabel = "PATH", description = "Sandbox: PATH may be read, written and executed (repeatable).")
    List<Path> rw = new ArrayList<>();

    @Option(names = "--net", paramLabel = "none|connect=PORT[,PORT...]", description = {
            "Sandbox: none (no socket but AF_UNIX, no io_uring) or TCP connect only to these ports."})
    String net;

    @Option(names = "--scope", paramLabel = "signal,abstract-unix", description = "Sandbox: no signals / abstract unix sockets outside it.")
    String scope;

    @Option(names = "--deny-syscall", paramLabel = "NAME[,NAME...]", description = "Sandbox: these syscalls fail with EPERM (repeatable).")
    List<String> denySyscalls = new ArrayList<>();

    @Option(names = "--sandbox-best-effort", description = "Sandbox: drop, with a warning, rules this kernel cannot enforce.")
    boolean bestEffort;

    /** The sandbox these options describe, or null when there is none. */
    Sandbox sandbox() {
        Sandbox.Builder b = Sandbox.builder();
        b.readOnly(ro.toArray(Path[]::new));
        b.readWrite(rw.toArray(Path[]::new));
        if (net != null) {
            if (net.equals("none")) {
                b.denyNetwork();
            } else if (net.startsWith("connect=")) {
                List<Integer> ports = new ArrayList<>();
                for (String p : net.substring("connect=".length()).split(",")) {
                    try {
                        ports.add(Integer.parseInt(p.trim()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--net " + net + ": \"" + p + "\" is not a port");
                    }
                }
                b.allowConnect(ports.stream().mapToInt(Integer::intValue).toArray());
            } else {
                throw new IllegalArgumentException("--net " + net + ": expected none or connect=PORT[,PORT...]");
            }
        }
        if (scope != null) {
            for (String s : scope.split(",")) {
                switch (s.trim()) {
                    case "signal" -> b.scope(Sandbox.Scope.SIGNAL);
                    case "abstract-unix" -> b.scope(Sandbox.Scope.ABSTRACT_UNIX_SOCKET);
                    default -> throw new IllegalArgumentException("--scope " + scope + ": \"" + s.trim()
                            + "\" is not signal or abstract-unix");
                }
            }
        }
        for (String list : denySyscalls) {
            for (String name : list.split(",")) {
                if (!name.isBlank()) {
                    b.denySyscalls(name.trim());
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
