package io.pidspawn.bench;

import static io.pidspawn.bench.Contender.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * loaded: spawn and wait for /bin/true while {@value Bench#CHILDREN} supervised {@code sleep} children
 * are alive, against the same with none alive. The C baseline holds {@value Bench#CHILDREN} extra
 * close-on-exec fds instead, the part of that load a plain spawn pays for: the child's copy of
 * the fd table. A second pidspawn worker runs with {@code -Dpidspawn.shareFdTable=false}, so the
 * child copies the whole table as a plain clone does: the cost the CLONE_FILES +
 * close_range(CLOSE_RANGE_UNSHARE) lever takes away. Phases alternate none, loaded, none ... none,
 * and in each phase the contenders take turns, so that drift on a shared machine shows in both.
 */
final class Loaded implements Workload {
    private static final String WHOLE_TABLE = "pidspawn-copy-fd-table";

    @Override
    public String name() {
        return "loaded";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int children = bench.children();
        int rounds = bench.quick() ? 1 : 2;
        int batch = bench.quick() ? 100 : 300;
        Object[] request = {"serial", batch, "/bin/true"};
        bench.progress(name() + ": warm-up, then " + rounds + " rounds of none / " + children + " alive / none");
        try (Worker copying = bench.newWorker(PIDSPAWN, List.of("-Dpidspawn.shareFdTable=false"))) {
            Map<String, Worker> workers = new LinkedHashMap<>();
            workers.put(PIDSPAWN.label(), bench.worker(PIDSPAWN));
            workers.put(WHOLE_TABLE, copying);
            workers.put(C_POSIX_SPAWN.label(), bench.worker(C_POSIX_SPAWN));
            Map<String, Samples> none = new LinkedHashMap<>();
            Map<String, Samples> loaded = new LinkedHashMap<>();
            for (String label : workers.keySet()) {
                none.put(label, new Samples());
                loaded.put(label, new Samples());
                workers.get(label).request(request); // warm-up
            }
            long fillNanos = 0;
            for (int r = 0; r < rounds; r++) {
                phase(workers, none, request);
                long t0 = System.nanoTime();
                for (Worker w : workers.values()) {
                    w.request("load", children);
                }
                fillNanos += System.nanoTime() - t0;
                phase(workers, loaded, request);
                for (Worker w : workers.values()) {
                    w.request("load", 0);
                }
            }
            phase(workers, none, request);
            return List.of(result(children, rounds, batch, none, loaded, fillNanos));
        }
    }

    /** Each worker answers the request once, in turn. */
    private static void phase(Map<String, Worker> workers, Map<String, Samples> into, Object[] request) throws Exception {
        for (Map.Entry<String, Worker> w : workers.entrySet()) {
            into.get(w.getKey()).add(w.getValue().request(request));
        }
    }

    private Result result(int children, int rounds, int batch, Map<String, Samples> none, Map<String, Samples> loaded,
            long fillNanos) {
        Map<String, Stats> stats = new LinkedHashMap<>();
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (String label : none.keySet()) {
            String load = children + (label.equals(C_POSIX_SPAWN.label()) ? " extra fds" : " supervised sleep children");
            Stats idle = none.get(label).stats(false);
            Stats busy = loaded.get(label).stats(false).with(Map.of("load", load));
            stats.put(label + "/none", idle);
            stats.put(label + "/loaded", busy);
            ratios.put(label + " loaded/none", busy.medianUs() / idle.medianUs());
        }
        double ours = ratios.get(PIDSPAWN.label() + " loaded/none");
        return new Result(name(), "spawn and wait for /bin/true with " + children + " supervised sleep children alive "
                + "(C: " + children + " extra fds) against none; " + WHOLE_TABLE + ": pidspawn with "
                + "-Dpidspawn.shareFdTable=false; " + rounds + " rounds x " + batch + " per phase",
                Comparison.Rate.SPAWNS.unit, "median_us", stats, ratios,
                List.of(Check.atMost("pidspawn " + children + " alive/none median", ours, 1.15)),
                List.of(String.format("spawning the %,d sleep children took %.1f s per round (both pidspawn workers; "
                        + "the C load is instant)", children, fillNanos / 1e9 / rounds)));
    }
}
