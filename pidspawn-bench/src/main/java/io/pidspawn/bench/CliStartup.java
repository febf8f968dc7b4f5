package io.pidspawn.bench;

import io.pidspawn.Command;
import io.pidspawn.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * cli-startup: what {@code bin/pidspawn run -- /bin/true} costs from the shell, against a
 * hello-world {@code java} on the same JDK and {@code timeout 1 /bin/true}. Each round runs each
 * once, interleaved; the figure is the wall time from spawn to reap, with the CPU time of the
 * process and its children from the rusage of its wait. {@code bin/pidspawn} runs as a user's
 * shell would start it, from its AOT cache (made before the rounds if it is missing), and once
 * more with {@code PIDSPAWN_AOT=0}, without it.
 */
final class CliStartup implements Workload {
    static final String CLI = "pidspawn-cli";
    static final String CLI_NO_AOT = "pidspawn-cli-no-aot";
    static final String HELLO = "java-hello";
    static final String TIMEOUT = "timeout-true";
    private static final int RUNS = 20;

    @Override
    public String name() {
        return "cli-startup";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        Path launcher = launcher();
        Path javaHome = Path.of(System.getProperty("java.home"));
        Path hello = helloClass(bench.workDir(), javaHome);
        int runs = bench.quick() ? 5 : RUNS;
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put(CLI, List.of(launcher.toString(), "run", "--", "/bin/true"));
        commands.put(CLI_NO_AOT, List.of(launcher.toString(), "run", "--", "/bin/true"));
        commands.put(HELLO, List.of(javaHome.resolve("bin/java").toString(), "-cp", hello.toString(), "Hello"));
        commands.put(TIMEOUT, List.of("timeout", "1", "/bin/true"));
        bench.progress(name() + ": one run of " + launcher + " to make its AOT cache if it is missing");
        once(commands.get(CLI), javaHome, true, new ArrayList<>(), new ArrayList<>());
        bench.progress(name() + ": " + runs + " rounds of " + String.join(", ", commands.keySet()));
        Map<String, List<Long>> wall = new LinkedHashMap<>();
        Map<String, List<Long>> cpu = new LinkedHashMap<>();
        commands.keySet().forEach(k -> {
            wall.put(k, new ArrayList<>());
            cpu.put(k, new ArrayList<>());
        });
        for (int r = 0; r < runs; r++) {
            for (var e : commands.entrySet()) {
                once(e.getValue(), javaHome, !e.getKey().equals(CLI_NO_AOT), wall.get(e.getKey()), cpu.get(e.getKey()));
            }
        }
        Map<String, Stats> stats = new LinkedHashMap<>();
        commands.keySet().forEach(k -> stats.put(k, stats(wall.get(k), cpu.get(k))));
        Map<String, Double> ratios = new LinkedHashMap<>();
        double helloUs = stats.get(HELLO).medianUs();
        ratios.put(CLI + "/" + HELLO, stats.get(CLI).medianUs() / helloUs);
        ratios.put(CLI_NO_AOT + "/" + HELLO, stats.get(CLI_NO_AOT).medianUs() / helloUs);
        ratios.put(CLI + "/" + CLI_NO_AOT, stats.get(CLI).medianUs() / stats.get(CLI_NO_AOT).medianUs());
        ratios.put(CLI + "/" + HELLO + " CPU", stats.get(CLI).parentCpuUs() / stats.get(HELLO).parentCpuUs());
        List<Check> checks = List.of(Check.atMost(CLI + "/" + HELLO + " median", ratios.get(CLI + "/" + HELLO), 2.0));
        List<String> notes = List.of(
                "wall time from spawn to reap of each command line, one of each a round, " + runs + " rounds;"
                        + " parent_cpu_us is the CPU time (user + system) of the process and the children it reaped",
                CLI + ": " + String.join(" ", commands.get(CLI)) + ", with its AOT cache; " + CLI_NO_AOT
                        + ": the same with PIDSPAWN_AOT=0; both include bin/pidspawn's own checks (bash)",
                HELLO + ": a class whose main prints one line, on " + javaHome + " (" + Runtime.version() + ")");
        return List.of(new Result(name(), "bin/pidspawn run -- /bin/true against java Hello and timeout(1); "
                + runs + " rounds", "runs/s", "median_us", stats, ratios, checks, notes));
    }

    /** bin/pidspawn, as bin/pidspawn bench names it (pidspawn.home), else from the working directory. */
    private static Path launcher() {
        String home = System.getProperty("pidspawn.home", ".");
        Path p = Path.of(home, "bin", "pidspawn").toAbsolutePath().normalize();
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException("cli-startup needs bin/pidspawn; not found at " + p
                    + " (run it as bin/pidspawn bench, which passes -Dpidspawn.home)");
        }
        return p;
    }

    /** Compiles Hello.java into workDir/hello once, with the javac of the JDK the bench runs on. */
    private static Path helloClass(Path workDir, Path javaHome) throws Exception {
        Path dir = workDir.resolve("hello");
        if (Files.exists(dir.resolve("Hello.class"))) {
            return dir;
        }
        Files.createDirectories(dir);
        Path source = dir.resolve("Hello.java");
        Files.writeString(source, "public class Hello { public static void main(String[] a) { System.out.println(\"hello\"); } }\n");
        try (Command javac = Command.builder(javaHome.resolve("bin/javac").toString()).args("-d", dir.toString(), source.toString())
                .build()) {
            Output out = javac.output();
            if (!out.success()) {
                throw new IllegalStateException("javac Hello.java failed: " + out.stderrText());
            }
        }
        return dir;
    }

    /** Runs argv once: its wall time and its CPU time in ns, added to wall and cpu; fails unless it exits 0 in silence. */
    private static void once(List<String> argv, Path javaHome, boolean aot, List<Long> wall, List<Long> cpu) throws Exception {
        Command.Builder b = Command.builder(argv.get(0)).args(argv.subList(1, argv.size()))
                .env("JAVA_HOME", javaHome.toString()).env("PIDSPAWN_AOT", aot ? "1" : "0");
        try (Command c = b.build()) {
            long start = System.nanoTime();
            Output out = c.output();
            long took = System.nanoTime() - start;
            if (!out.success() || !out.stderrText().isEmpty()) {
                throw new IllegalStateException(String.join(" ", argv) + ": " + out.status() + ", stderr: " + out.stderrText());
            }
            wall.add(took);
            cpu.add(out.status().usage().map(u -> u.cpu().toNanos()).orElse(0L));
        }
    }

    private static Stats stats(List<Long> wallNanos, List<Long> cpuNanos) {
        long[] sorted = wallNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] cpuSorted = cpuNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double medianUs = median(sorted) / 1e3;
        int rank = (int) Math.ceil(0.99 * sorted.length);
        double totalS = wallNanos.stream().mapToLong(Long::longValue).sum() / 1e9;
        return new Stats(medianUs, sorted[Math.max(rank, 1) - 1] / 1e3, sorted.length / totalS, sorted.length,
                median(cpuSorted) / 1e3, Map.of());
    }

    private static double median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
