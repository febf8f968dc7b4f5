package io.pidspawn.bench;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ExitStatus;
import io.pidspawn.Output;
import io.pidspawn.Sandbox;
import io.pidspawn.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * sandbox: an agent's tool call confined against the same call unconfined and against the same
 * call under bubblewrap. Spawn and wait, one at a time, of /bin/true and of
 * {@code sh -c 'cat FILE > /dev/null'}, each three ways from this JVM:
 * <ul>
 *   <li>sandboxed: a Command with {@link Sandbox#agent} (the system read-only, a work tree
 *       read-write, a private tmp, no network, both scopes), prepared once when it is built;
 *   <li>unconfined: the same Command without the sandbox;
 *   <li>bwrap: the same Command run through
 *       {@code bwrap --ro-bind / / --bind WORKTREE WORKTREE --dev-bind /dev/null /dev/null --unshare-net --die-with-parent}
 *       (Debian's bubblewrap, installed with apt-get when missing); /dev/null is bound writable
 *       as the agent policy has it, since on the read-only bind of / opening it for writing is EROFS.
 * </ul>
 * Two more ways split the sandbox's cost: the policy's Landlock rules alone, and its seccomp
 * filter alone. They all take turns, batch by batch, so that the machine's noise falls on all of them.
 * Targets (issue 13): sandboxed/unconfined ≤ 1.10 and sandboxed/bwrap ≤ 0.40, in median.
 */
final class SandboxWorkload implements Workload {
    private static final String BWRAP = "/usr/bin/bwrap";
    /** The three ways, and two that split the sandbox's cost: its Landlock rules alone, its seccomp filter alone. */
    private static final List<String> WAYS = List.of("sandboxed", "unconfined", "bwrap", "landlock-only", "seccomp-only");

    @Override
    public String name() {
        return "sandbox";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        ensureBubblewrap(bench);
        Path workTree = Files.createDirectories(bench.workDir().resolve("sandbox-worktree"));
        Path tmp = Files.createDirectories(bench.workDir().resolve("sandbox-tmp"));
        Path file = workTree.resolve("input.txt");
        Files.writeString(file, "a line an agent's tool reads\n".repeat(256));
        Sandbox policy = Sandbox.agent(workTree, tmp);
        int rounds = bench.quick() ? 3 : 10;
        int batch = bench.quick() ? 50 : 200;
        int warmUp = bench.quick() ? 200 : 3_000;
        String what = rounds + " rounds x " + batch + " per way, interleaved, after " + warmUp
                + " warm-up spawns each, from the bench's own JVM; agent policy: / read-only, a work tree and a tmp read-write, no network, signal and abstract-unix scopes";
        List<Result> results = new ArrayList<>();
        results.add(compare(bench, "sandbox-true", "spawn and wait for /bin/true; " + what, policy, workTree,
                List.of("/bin/true"), rounds, batch, warmUp));
        results.add(compare(bench, "sandbox-sh-cat", "spawn and wait for sh -c 'cat FILE > /dev/null' (FILE in the work tree); " + what,
                policy, workTree, List.of("/bin/sh", "-c", "cat " + file + " > /dev/null"), rounds, batch, warmUp));
        return results;
    }

    private Result compare(Bench bench, String name, String description, Sandbox policy, Path workTree, List<String> argv,
                           int rounds, int batch, int warmUp) throws Exception {
        bench.progress(name + ": " + rounds + " rounds of " + batch + " per way");
        List<String> bwrapArgv = new ArrayList<>(List.of("--ro-bind", "/", "/", "--bind", workTree.toString(), workTree.toString(),
                "--dev-bind", "/dev/null", "/dev/null", "--unshare-net", "--die-with-parent"));
        bwrapArgv.addAll(argv);
        Sandbox landlockOnly = Sandbox.builder().readOnly(policy.readOnly().toArray(Path[]::new))
                .readWrite(policy.readWrite().toArray(Path[]::new)).scope(policy.scopes().toArray(Sandbox.Scope[]::new)).build();
        Sandbox seccompOnly = Sandbox.builder().denyNetwork().build();
        Map<String, long[]> samples = new LinkedHashMap<>();
        Map<String, Long> elapsed = new LinkedHashMap<>();
        try (Command sandboxed = command(argv, workTree).sandbox(policy).build();
             Command unconfined = command(argv, workTree).build();
             Command bwrap = Command.builder(BWRAP).args(bwrapArgv).cwd(workTree)
                     .stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard()).build();
             Command landlock = command(argv, workTree).sandbox(landlockOnly).build();
             Command seccomp = command(argv, workTree).sandbox(seccompOnly).build()) {
            Map<String, Command> commands = Map.of("sandboxed", sandboxed, "unconfined", unconfined, "bwrap", bwrap,
                    "landlock-only", landlock, "seccomp-only", seccomp);
            for (String way : WAYS) {
                spawnAndWait(commands.get(way), new long[warmUp], 0, warmUp);
                samples.put(way, new long[rounds * batch]);
                elapsed.put(way, 0L);
            }
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < WAYS.size(); k++) {
                    String way = WAYS.get((r + k) % WAYS.size());
                    long t0 = System.nanoTime();
                    spawnAndWait(commands.get(way), samples.get(way), r * batch, batch);
                    elapsed.merge(way, System.nanoTime() - t0, Long::sum);
                }
            }
        }
        Map<String, Stats> stats = new LinkedHashMap<>();
        for (String way : WAYS) {
            long[] s = samples.get(way).clone();
            Arrays.sort(s);
            stats.put(way, new Stats(s[s.length / 2] / 1e3, s[(int) Math.ceil(0.99 * s.length) - 1] / 1e3,
                    s.length / (elapsed.get(way) / 1e9), s.length, 0, Map.of()));
        }
        double vsUnconfined = stats.get("sandboxed").medianUs() / stats.get("unconfined").medianUs();
        double vsBwrap = stats.get("sandboxed").medianUs() / stats.get("bwrap").medianUs();
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("sandboxed/unconfined", vsUnconfined);
        ratios.put("sandboxed/bwrap", vsBwrap);
        ratios.put("landlock-only/unconfined", stats.get("landlock-only").medianUs() / stats.get("unconfined").medianUs());
        ratios.put("seccomp-only/unconfined", stats.get("seccomp-only").medianUs() / stats.get("unconfined").medianUs());
        List<Check> checks = List.of(Check.atMost("sandboxed/unconfined", vsUnconfined, 1.10),
                Check.atMost("sandboxed/bwrap", vsBwrap, 0.40));
        return new Result(name, description, "spawns/s", "median_us", stats, ratios, checks,
                List.of("bwrap: " + String.join(" ", bwrapArgv.subList(0, 11))
                        + " (/dev/null bound writable, as the agent policy has it: under --ro-bind / / a write to it is EROFS)"));
    }

    private static Command.Builder command(List<String> argv, Path workTree) {
        return Command.builder(argv.get(0)).args(argv.subList(1, argv.size())).cwd(workTree)
                .stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard());
    }

    /** Spawns and waits count times, each latency into into[from..]; a failed child fails the workload. */
    private static void spawnAndWait(Command c, long[] into, int from, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            ExitStatus status;
            try (Child child = c.spawn()) {
                status = child.waitFor();
            }
            into[from + i] = System.nanoTime() - t0;
            if (!status.exited() || status.code() != 0) {
                throw new IOException(c.argv() + " ended with " + status + " in the sandbox workload");
            }
        }
    }

    /** Installs Debian's bubblewrap with apt-get when /usr/bin/bwrap is missing. */
    private static void ensureBubblewrap(Bench bench) throws Exception {
        if (Files.isExecutable(Path.of(BWRAP))) {
            return;
        }
        bench.progress("sandbox: " + BWRAP + " is missing; apt-get install bubblewrap");
        for (List<String> argv : List.of(List.of("update", "-q"), List.of("install", "-y", "-q", "bubblewrap"))) {
            try (Command apt = Command.builder(Binaries.tool("apt-get").toString()).args(argv)
                    .env("DEBIAN_FRONTEND", "noninteractive").build()) {
                Output out = apt.output();
                if (!out.success()) {
                    throw new IOException("apt-get " + String.join(" ", argv) + " failed (" + out.status() + "):\n" + out.stderrText());
                }
            }
        }
        if (!Files.isExecutable(Path.of(BWRAP))) {
            throw new IOException("apt-get install bubblewrap left no " + BWRAP);
        }
    }
}
