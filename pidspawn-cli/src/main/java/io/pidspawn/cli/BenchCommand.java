package io.pidspawn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pidspawn bench}: pidspawn against C posix_spawn and vfork, ProcessBuilder (both launch
 * mechanisms) and NuProcess, in one run, interleaved, reported as ratios. The harness is the
 * module {@code io.pidspawn.bench}, which this command needs beside it; {@link BenchRun} is the only
 * class that refers to it, so that the other commands load without it.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure pidspawn against its baselines, interleaved in one run, and report",
                "medians, p99s, rates and the ratios pidspawn/baseline with the targets they",
                "meet or miss. Each contender runs in a worker process of its own; the C",
                "baselines are built with gcc into the work directory."},
        footer = {"", "Workloads: spawn-true (and spawn-true-static), throughput, loaded, supervise,",
                "agent-mix, capture (and capture-pretouched), cold, sandbox, cli-startup.",
                "", "Examples:", "  pidspawn bench --quick", "  pidspawn bench spawn-true loaded --json results.json"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "WORKLOAD", description = "The workloads to run (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = "--quick", description = "Fewer rounds and calls: all the workloads in about a minute.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as one JSON object to FILE.")
    Path json;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the C binaries, fixtures and worker logs go (default: target/bench).")
    Path workDir;

    @Override
    public Integer call() {
        if (!benchInstalled()) {
            System.err.println("pidspawn: bench: the benchmarks (io.pidspawn:pidspawn-bench, module io.pidspawn.bench)"
                    + " are not installed beside the CLI; bin/pidspawn bench adds them");
            return 125;
        }
        return BenchRun.run(this);
    }

    /** Whether the harness can be loaded: resolved as a module, or on the class path (the tests). */
    private static boolean benchInstalled() {
        Module self = BenchCommand.class.getModule();
        if (self.isNamed()) {
            return self.getLayer() != null && self.getLayer().findModule("io.pidspawn.bench").isPresent();
        }
        return BenchCommand.class.getClassLoader().getResource("io/pidspawn/bench/Bench.class") != null;
    }
}
