package io.pidspawn.cli.bench;

import static io.pidspawn.cli.bench.Contender.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * loaded: spawn and wait for /bin/true while {@value Bench#CHILDREN} supervised {@code sleep} children
 * are alive, against the same with none alive. The C baseline holds {@value Bench#CHILDREN} extra
 * close-on-exec fds instead, the part of that load a plain spawn pays for: the child's copy of
 * the fd table. Phases alternate none, loaded, none ... none, and in each phase the contenders
 * take turns, so that drift on a shared machine shows in both.
 */
final class Loaded implements Workload {
    private static final List<Contender> CONTENDERS = List.of(PIDSPAWN, C_POSIX_SPAWN);

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
        bench.warmUp(CONTENDERS, "serial", batch, "/bin/true");
        Map<Contender, Samples> none = Samples.of(CONTENDERS);
        Map<Contender, Samples> loaded = Samples.of(CONTENDERS);
        long fillNanos = 0;
        for (int r = 0; r < rounds; r++) {
            bench.interleave(none, 1, request);
            long t0 = System.nanoTime();
            for (Contender c : CONTENDERS) {
                bench.worker(c).request("load", children);
            }
            fillNanos += System.nanoTime() - t0;
            bench.interleave(loaded, 1, request);
            for (Contender c : CONTENDERS) {
                bench.worker(c).request("load", 0);
            }
        }
        bench.interleave(none, 1, request);

        Map<String, Stats> stats = new LinkedHashMap<>();
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (Contender c : CONTENDERS) {
            String load = children + (c == PIDSPAWN ? " supervised sleep children" : " extra fds");
            Stats idle = none.get(c).stats(false);
            Stats busy = loaded.get(c).stats(false).with(Map.of("load", load));
            stats.put(c.label() + "/none", idle);
            stats.put(c.label() + "/loaded", busy);
            ratios.put(c.label() + " loaded/none", busy.medianUs() / idle.medianUs());
        }
        double ours = ratios.get(PIDSPAWN.label() + " loaded/none");
        return List.of(new Result(name(), "spawn and wait for /bin/true with " + children + " supervised sleep children alive "
                + "(C: " + children + " extra fds) against none; " + rounds + " rounds x " + batch + " per phase",
                Comparison.Rate.SPAWNS.unit, "median_us", stats, ratios,
                List.of(Check.atMost("pidspawn " + children + " alive/none median", ours, 1.15)),
                List.of(String.format("spawning the %,d sleep children took %.1f s per round (pidspawn, the C load is instant)",
                        children, fillNanos / 1e9 / rounds))));
    }
}
