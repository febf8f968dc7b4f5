package io.pidspawn.bench;

import io.pidspawn.Command;
import io.pidspawn.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * cli-startup: what {@code bin/pidspawn run -- /bin/true} costs from the shell, against a
 * hello-world {@code java} on the same JDK and {@code timeout 1 /bin/true}. Each round runs each
 * once, interleaved; the figure is the wall time from spawn to reap, with the CPU time of the
 * process and its children from the rusage of its wait. {@code bin/pidspawn} runs as a user's
 * shell would start it, from its AOT cache (made before the rounds if it is missing), and once
 * more with {@code PIDSPAWN_AOT=0}, without it.
 *
 * <p>Two more contenders measure the floors under the CLI, each a one-class program from its own
 * AOT cache: {@code java-ffm-hello} makes one java.lang.foreign downcall (getpid), the least any
 * use of the library links, and {@code java-picocli-hello} parses a one-option command with
 * picocli (bin/pidspawn's re-versioned jar), the least a picocli command line reflects on.
 */
final class CliStartup implements Workload {
    static final String CLI = "pidspawn-cli";
    static final String CLI_NO_AOT = "pidspawn-cli-no-aot";
    static final String HELLO = "java-hello";
    static final String TIMEOUT = "timeout-true";
    static final String FFM_HELLO = "java-ffm-hello";
    static final String PICOCLI_HELLO = "java-picocli-hello";
    private static final String HELLO_SOURCE = """
            public class Hello {
                public static void main(String[] a) {
                    System.out.println("hello");
                }
            }
            """;
    private static final String FFM_SOURCE = """
            import java.lang.foreign.FunctionDescriptor;
            import java.lang.foreign.Linker;
            import java.lang.foreign.ValueLayout;
            public class FfmHello {
                public static void main(String[] a) throws Throwable {
                    Linker linker = Linker.nativeLinker();
                    var getpid = linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT));
                    System.out.println("hello from " + (int) getpid.invokeExact());
                }
            }
            """;
    private static final String PICOCLI_SOURCE = """
            import picocli.CommandLine;
            import picocli.CommandLine.Command;
            import picocli.CommandLine.Option;
            import picocli.CommandLine.Parameters;
            @Command(name = "hello", mixinStandardHelpOptions = true, description = "Says hello.")
            public class PicocliHello implements Runnable {
                @Option(names = "--timeout", description = "How long.") String timeout;
                @Parameters String[] argv;
                public void run() { System.out.println("hello " + String.join(" ", argv)); }
                public static void main(String[] a) { System.exit(new CommandLine(new PicocliHello()).execute(a)); }
            }
            """;
    private static final int RUNS = 20;

    @Override
    public String name() {
        return "cli-startup";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        Path launcher = launcher();
        Path javaHome = Path.of(System.getProperty("java.home"));
        String java = javaHome.resolve("bin/java").toString();
        Path dir = bench.workDir().resolve("hello");
        Path picocli = picocliJar(launcher);
        compile(javaHome, dir, "Hello", HELLO_SOURCE, dir.toString());
        // An AOT cache takes jars only on its class path.
        String ffmPath = compile(javaHome, dir, "FfmHello", FFM_SOURCE, dir.toString()).toString();
        String picocliPath = picocli + ":" + compile(javaHome, dir, "PicocliHello", PICOCLI_SOURCE, picocli.toString());
        int runs = bench.quick() ? 5 : RUNS;
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put(CLI, List.of(launcher.toString(), "run", "--", "/bin/true"));
        commands.put(CLI_NO_AOT, List.of(launcher.toString(), "run", "--", "/bin/true"));
        commands.put(HELLO, List.of(java, "-cp", dir.toString(), "Hello"));
        commands.put(FFM_HELLO, List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:AOTCache=" + dir.resolve("ffm.aot"), "-Xlog:aot=off", "-cp", ffmPath, "FfmHello"));
        commands.put(PICOCLI_HELLO, List.of(java, "-XX:+UseSerialGC", "-XX:AOTCache=" + dir.resolve("picocli.aot"),
                "-Xlog:aot=off", "-cp", picocliPath, "PicocliHello", "--timeout", "5s", "--", "/bin/true"));
        commands.put(TIMEOUT, List.of("timeout", "1", "/bin/true"));
        bench.progress(name() + ": one run of " + launcher + " to make its AOT cache if it is missing,"
                + " and the AOT caches of " + FFM_HELLO + " and " + PICOCLI_HELLO);
        once(commands.get(CLI), javaHome, true, new ArrayList<>(), new ArrayList<>());
        for (String floor : List.of(FFM_HELLO, PICOCLI_HELLO)) {
            // The same command line with -XX:AOTCacheOutput: the JVM writes the cache as it exits.
            mustSucceed(commands.get(floor).stream().map(a -> a.replace("-XX:AOTCache=", "-XX:AOTCacheOutput=")).toList());
        }
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
        ratios.put(FFM_HELLO + "/" + HELLO, stats.get(FFM_HELLO).medianUs() / helloUs);
        ratios.put(PICOCLI_HELLO + "/" + HELLO, stats.get(PICOCLI_HELLO).medianUs() / helloUs);
        List<Check> checks = List.of(Check.atMost(CLI + "/" + HELLO + " median", ratios.get(CLI + "/" + HELLO), 2.0));
        List<String> notes = List.of(
                "wall time from spawn to reap of each command line, one of each a round, " + runs + " rounds;"
                        + " parent_cpu_us is the CPU time (user + system) of the process and the children it reaped",
                CLI + ": " + String.join(" ", commands.get(CLI)) + ", with its AOT cache; " + CLI_NO_AOT
                        + ": the same with PIDSPAWN_AOT=0; both include bin/pidspawn's own checks (bash)",
                HELLO + ": a class whose main prints one line, on " + javaHome + " (" + Runtime.version() + ")",
                FFM_HELLO + ": one java.lang.foreign downcall (getpid) and a line, from its own AOT cache: the floor of any"
                        + " program that calls native code through FFM; " + PICOCLI_HELLO + ": a one-option picocli"
                        + " command parsed and run, from its own AOT cache (" + picocli.getFileName() + " as bin/pidspawn"
                        + " has it): the floor of a picocli command line");
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

    /** The picocli jar bin/pidspawn runs with (its class files re-versioned for the AOT cache). */
    private static Path picocliJar(Path launcher) throws Exception {
        Path lib = launcher.getParent().resolveSibling("pidspawn-cli/target/lib");
        try (var jars = Files.list(lib)) {
            return jars.filter(j -> j.getFileName().toString().matches("picocli-[0-9].*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("cli-startup: no picocli jar in " + lib));
        }
    }

    /**
     * Compiles a one-class program into dir once, against classPath, with the JDK the bench runs
     * on; returns the jar that holds it.
     */
    private static Path compile(Path javaHome, Path dir, String name, String code, String classPath) throws Exception {
        Path jar = dir.resolve(name + ".jar");
        if (Files.exists(jar)) {
            return jar;
        }
        Files.createDirectories(dir);
        Path source = dir.resolve(name + ".java");
        Files.writeString(source, code);
        javac(javaHome, "-cp", classPath, "-d", dir.toString(), source.toString());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry(name + ".class"));
            Files.copy(dir.resolve(name + ".class"), out);
            out.closeEntry();
        }
        return jar;
    }

    private static void javac(Path javaHome, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(javaHome.resolve("bin/javac").toString()));
        argv.addAll(List.of(args));
        mustSucceed(argv);
    }

    /** Runs argv (javac, a training run: both may write to stderr); fails unless it exits 0. */
    private static void mustSucceed(List<String> argv) throws Exception {
        try (Command c = Command.builder(argv.get(0)).args(argv.subList(1, argv.size())).build()) {
            Output out = c.output();
            if (!out.success()) {
                throw new IllegalStateException(String.join(" ", argv) + ": " + out.status() + ", stderr: " + out.stderrText());
            }
        }
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
