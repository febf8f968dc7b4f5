package io.pidspawn.cli;

import io.pidspawn.bench.Bench;
import io.pidspawn.bench.Machine;
import io.pidspawn.bench.Result;
import io.pidspawn.bench.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The body of {@link BenchCommand}, apart so that only {@code pidspawn bench} loads the harness. */
final class BenchRun {
    private BenchRun() {}

    static int run(BenchCommand options) {
        List<String> names = options.names;
        boolean quick = options.quick;
        Path json = options.json;
        Path workDir = options.workDir;

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
        return json == null ? 0 : writeJson(json, quick, machine, loadAfter, results);
    }

    private static int writeJson(Path json, boolean quick, Machine machine, String loadAfter, List<Result> results) {
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
            Path code = Path.of(BenchRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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
