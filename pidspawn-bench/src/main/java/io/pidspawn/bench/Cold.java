package io.pidspawn.bench;

import static io.pidspawn.bench.Contender.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * cold: what the first spawns of a JVM cost. A fresh pidspawn worker, with no warm-up, spawns
 * and waits for /bin/true 1,000 times (its first request, 100, is also reported alone); against
 * it, in the same rounds, a warmed-up pidspawn worker and the C driver do 1,000 each. The same is
 * measured once more with JDK 25's AOT cache ({@code -XX:AOTCache}), trained first by one worker
 * that runs the same 1,000 spawns with {@code -XX:AOTCacheOutput}: the recipe an application that
 * spawns from its first seconds can follow. The targets hold without the cache.
 */
final class Cold implements Workload {
    static final String FIRST_100 = "pidspawn-first-100";
    static final String FIRST_1000 = "pidspawn-first-1000";
    static final String WARM = "pidspawn-warm";
    static final String AOT_100 = "pidspawn-aot-first-100";
    static final String AOT_1000 = "pidspawn-aot-first-1000";
    private static final int SPAWNS = 1_000;
    private static final int FIRST = 100;
    private static final int WARM_UP_MIN = 15_000, WARM_UP_MAX = 45_000;

    @Override
    public String name() {
        return "cold";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 2 : 5;
        Path cache = bench.workDir().resolve("pidspawn-cold.aot");
        bench.progress(name() + ": training the AOT cache " + cache);
        Files.deleteIfExists(cache);
        try (Worker training = bench.newWorker(PIDSPAWN, List.of("-XX:AOTCacheOutput=" + cache))) {
            training.request("serial", SPAWNS, "/bin/true");
        } // the cache is written as the training JVM exits
        List<String> withCache = Files.exists(cache) ? List.of("-XX:AOTCache=" + cache) : null;
        bench.progress(name() + ": warming up " + WARM + (bench.quick() ? " (2000 spawns)" : " to the JIT's steady state")
                + ", then " + rounds + " rounds");
        int warmUp;
        if (bench.quick()) {
            warmUp = 2_000;
            bench.worker(PIDSPAWN).request("serial", warmUp, "/bin/true");
        } else {
            warmUp = bench.warmUpJit(List.of(PIDSPAWN), WARM_UP_MIN, WARM_UP_MAX, "/bin/true").get(PIDSPAWN);
        }
        bench.worker(C_POSIX_SPAWN).request("serial", FIRST, "/bin/true");
        Map<String, Samples> samples = new LinkedHashMap<>();
        for (String label : List.of(FIRST_100, FIRST_1000, WARM, C_POSIX_SPAWN.label(), AOT_100, AOT_1000)) {
            samples.put(label, new Samples());
        }
        for (int r = 0; r < rounds; r++) {
            fresh(bench, List.of(), samples.get(FIRST_100), samples.get(FIRST_1000));
            samples.get(WARM).add(bench.worker(PIDSPAWN).request("serial", SPAWNS, "/bin/true"));
            samples.get(C_POSIX_SPAWN.label()).add(bench.worker(C_POSIX_SPAWN).request("serial", SPAWNS, "/bin/true"));
            if (withCache != null) {
                fresh(bench, withCache, samples.get(AOT_100), samples.get(AOT_1000));
            }
        }
        Map<String, Stats> stats = new LinkedHashMap<>();
        samples.forEach((label, s) -> {
            if (withCache != null || !label.startsWith("pidspawn-aot")) {
                stats.put(label, s.stats(false));
            }
        });
        Map<String, Double> ratios = new LinkedHashMap<>();
        double first = stats.get(FIRST_1000).medianUs();
        ratios.put(FIRST_1000 + "/" + WARM, first / stats.get(WARM).medianUs());
        ratios.put(FIRST_1000 + "/" + C_POSIX_SPAWN.label(), first / stats.get(C_POSIX_SPAWN.label()).medianUs());
        ratios.put(FIRST_100 + "/" + C_POSIX_SPAWN.label(), stats.get(FIRST_100).medianUs() / stats.get(C_POSIX_SPAWN.label()).medianUs());
        ratios.put(FIRST_1000 + "/" + C_POSIX_SPAWN.label() + " parent CPU",
                stats.get(FIRST_1000).parentCpuUs() / stats.get(C_POSIX_SPAWN.label()).parentCpuUs());
        if (withCache != null) {
            ratios.put(AOT_1000 + "/" + C_POSIX_SPAWN.label(), stats.get(AOT_1000).medianUs() / stats.get(C_POSIX_SPAWN.label()).medianUs());
        }
        List<Check> checks = List.of(
                Check.atMost(FIRST_1000 + "/" + WARM + " median", ratios.get(FIRST_1000 + "/" + WARM), 1.3),
                Check.atMost(FIRST_1000 + "/" + C_POSIX_SPAWN.label() + " median",
                        ratios.get(FIRST_1000 + "/" + C_POSIX_SPAWN.label()), 1.3));
        List<String> notes = new ArrayList<>();
        notes.add(WARM + ": the worker of the other workloads, " + warmUp + " spawns into it before the rounds"
                + (bench.quick() ? "" : " (to the JIT's steady state: two batches of 2,000 with the compilers idle)"));
        notes.add("each round a fresh JVM (no warm-up, the JVM's defaults) spawns " + SPAWNS + " times; its first request is "
                + FIRST + " spawns (" + FIRST_100 + "), the second the other " + (SPAWNS - FIRST) + "; the JVM's start is not counted");
        notes.add(withCache == null ? "the AOT cache was not written (see " + bench.workDir().resolve(PIDSPAWN.label() + ".log") + ")"
                : "pidspawn-aot-*: the same fresh JVMs with -XX:AOTCache, trained once by " + SPAWNS + " spawns with -XX:AOTCacheOutput");
        return List.of(new Result(name(), "a fresh JVM's first " + SPAWNS + " spawn+wait of /bin/true against a warmed-up one and C; "
                + rounds + " rounds", Comparison.Rate.SPAWNS.unit, "median_us", stats, ratios, checks, notes));
    }

    /** A fresh worker started with jvmOptions: its first 100 spawns, then 900 more. */
    private static void fresh(Bench bench, List<String> jvmOptions, Samples first100, Samples first1000) throws Exception {
        try (Worker w = bench.newWorker(PIDSPAWN, jvmOptions)) {
            Reply first = w.request("serial", FIRST, "/bin/true");
            first100.add(first);
            first1000.add(first);
            first1000.add(w.request("serial", SPAWNS - FIRST, "/bin/true"));
        }
    }
}
