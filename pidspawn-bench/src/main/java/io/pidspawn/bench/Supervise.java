package io.pidspawn.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * supervise: {@value Bench#CHILDREN} children alive at once under a pidspawn worker JVM that has
 * spawned nothing before: the threads and memory they cost, and how long after a child's own exit
 * its onExit() future completes (see {@link SuperviseRun}). The C driver does the same with one
 * pidfd per child in one epoll set watched by one thread: the floor of exit notification on this
 * machine at that moment. The pidspawn worker's heap is fixed and pre-touched, as in the
 * reference baselines, so that RSS shows native memory; the Java heap the children hold is
 * reported apart.
 */
final class Supervise implements Workload {
    private static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch");
    private static final long BASE_MICROS = 500_000;
    private static final long SPACING_MICROS = 300;

    @Override
    public String name() {
        return "supervise";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int children = bench.children();
        bench.progress(name() + ": " + children + " children, pidspawn (in a new worker) then C; exits " + SPACING_MICROS + " µs apart");
        Object[] request = {"supervise", children, BASE_MICROS, SPACING_MICROS, bench.binaries().driver(),
                bench.workDir().resolve("exit-stamps.bin")};
        Reply ours;
        try (Worker w = bench.newWorker(Contender.PIDSPAWN, JVM_OPTIONS)) {
            ours = w.request(request);
        }
        Reply floor = bench.worker(Contender.C_POSIX_SPAWN).request("supervise", children, BASE_MICROS, SPACING_MICROS,
                bench.workDir().resolve("exit-stamps.bin"));
        double rssGrowth = mib(ours.number("rss_alive_kib") - Math.min(ours.number("rss_before_kib"), ours.number("rss_after_kib")));
        double rawGrowth = mib(ours.number("rss_peak_kib") - ours.number("rss_first_kib"));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("extra_threads", ours.number("extra_threads"));
        extra.put("new_threads", ours.text("new_threads"));
        extra.put("rss_before_mib", Stats.round(mib(ours.number("rss_before_kib")), 1));
        extra.put("rss_growth_mib", Stats.round(rssGrowth, 1));
        extra.put("rss_growth_raw_mib", Stats.round(rawGrowth, 1));
        extra.put("heap_growth_mib", Stats.round(mib(ours.number("heap_alive_kib") - ours.number("heap_before_kib")), 1));
        Stats s = stats(ours).with(extra);
        Stats c = stats(floor);
        Map<String, Stats> contenders = new LinkedHashMap<>();
        contenders.put(Contender.PIDSPAWN.label(), s);
        contenders.put(Contender.C_POSIX_SPAWN.label(), c);
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("pidspawn/c-posix_spawn p99", s.p99Us() / c.p99Us());
        return List.of(new Result(name(), children + " children alive at once (the C driver's exit-stamp mode), then exiting "
                + SPACING_MICROS + " µs apart; latency: a child's exit (its own clock) to its onExit() completing (C: to its "
                + "pidfd being seen ready); per_s: the spawn rate while filling; pidspawn worker JVM " + String.join(" ", JVM_OPTIONS),
                Comparison.Rate.SPAWNS.unit, "p99_us", contenders, ratios,
                List.of(Check.atMost("extra threads", ours.number("extra_threads"), 2),
                        Check.atMost("RSS growth MiB", rssGrowth, 16),
                        Check.atMost("exit notification p99 µs", s.p99Us(), 2000)),
                List.of("threads are platform threads as Java sees them (not the JIT's or GC's); new ones: "
                        + ours.text("new_threads").replace(",", ", "),
                        "RSS growth is VmRSS with the JIT idle and after malloc_trim(0), all children alive, less the lower "
                                + "of the same before they started and after they ended: what they hold; the raw growth, from "
                                + "before the first spawn to the highest VmRSS, adds what glibc keeps of the JIT compiler's freed "
                                + "arenas; heap growth is the Java heap in use after a GC, all children alive",
                        "the exit notification latency includes the child's own exit after its stamp: on a busy machine "
                                + "the C floor shows how much of it is scheduling")));
    }

    private static Stats stats(Reply r) {
        Samples samples = new Samples();
        samples.add(r);
        return samples.stats(false);
    }

    private static double mib(long kib) {
        return kib / 1024.0;
    }
}
