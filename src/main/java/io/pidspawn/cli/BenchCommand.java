package io.pidspawn.cli;

import io.pidspawn.cli.bench.Bench;
import io.pidspawn.cli.bench.Machine;
import io.pidspawn.cli.bench.Result;
import io.pidspawn.cli.bench.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pidspawn bench}: pidspawn against C posix_spawn and vfork, ProcessBuilder (both launch
 * mechanisms) and NuProcess, in one run, interleaved, reported as ratios. The harness is in
 * {@link io.pidspawn.cli.bench}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure pidspawn against its baselines, interleaved in one run, and report medians, p99s,",
                "rates and the ratios pidspawn/baseline with the targets they meet or miss.",
                "Each contender runs in a worker process of its own; the C baselines are built with gcc into the work directory."},
        footer = {"", "Workloads: spawn-true (and spawn-true-static), throughput, loaded, supervise, agent-mix, capture (and capture-pretouched).",
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
        List<Workload> selected = new ArrayList<>();
        for (String n : names) {
            Workload w = Workload.all().stream().filter(x -> x.name().equals(n)).findFirst().orElse(null);
            if (w == null) {
                System.err.println("pidspawn: bench: no workload " + n + "; there are "
                        + Workload.all().stream().map(Workload::name).toList());
                return 125;
            }
            selected.add(w);
        }
        if (selected.isEmpty()) {
            selected = Workload.all();
        }
        Machine machine = Machine.current(ProbeCommand.kernel());
        System.out.println("machine: " + machine.kernel() + ", " + machine.cpu() + ", " + machine.cores() + " cores, "
                + machine.jdk() + ", load average " + machine.loadBefore());
        List<Result> results = new ArrayList<>();
        try (Bench bench = Bench.open(workDir != null ? workDir : defaultWorkDir(), quick, System.err)) {
            for (Workload w : selected) {
                for (Result r : w.run(bench)) {
                    r.print(System.out);
                    results.add(r);
                }
            }
        } catch (Exception e) {
            System.err.println("pidspawn: bench: " + e.getMessage());
            return 125;
        }
        String loadAfter = Machine.loadAverage();
        System.out.println();
        System.out.println("load average before " + machine.loadBefore() + ", after " + loadAfter
                + (quick ? "; --quick: few samples, read the ratios loosely" : ""));
        return json == null ? 0 : writeJson(machine, loadAfter, results);
    }

    private int writeJson(Machine machine, String loadAfter, List<Result> results) {
        Map<String, Object> workloads = new LinkedHashMap<>();
        results.forEach(r -> workloads.put(r.name(), r.toJson()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("machine", machine.toJson(loadAfter));
        out.put("quick", quick);
        out.put("workloads", workloads);
        try {
            Files.writeString(json, Json.write(out) + "\n");
            return 0;
        } catch (java.io.IOException e) {
            System.err.println("pidspawn: bench: cannot write " + json + ": " + e.getMessage());
            return 125;
        }
    }

    /** target/bench beside the jar (or the classes) this runs from; a temporary directory if that is not a build. */
    private static Path defaultWorkDir() throws java.io.IOException {
        try {
            Path code = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = code.getParent();
            if (target != null && target.getFileName().toString().equals("target")) {
                return target.resolve("bench");
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through
        }
        return Files.createTempDirectory("pidspawn-bench");
    }
}
