package io.pidspawn.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of most workloads: every contender answers the same request, interleaved over
 * rounds after a warm-up, and pidspawn is divided by each baseline, on the median latency or on
 * the rate.
 */
final class Comparison {
    /** What a ratio divides: lower is better for the median, higher for the rate. */
    enum Figure { MEDIAN, RATE }

    /** What {@code per_s} counts. */
    enum Rate {
        SPAWNS("spawns/s"), CALLS("calls/s"), MEGABYTES("MB/s");

        final String unit;

        Rate(String unit) {
            this.unit = unit;
        }
    }

    /** A target: pidspawn/baseline at most (or at least) limit. */
    record Target(Contender baseline, boolean atMost, double limit) {}

    private final String name;
    private final String description;
    private final Figure figure;
    private final Rate rate;
    private final List<Contender> contenders;
    private final List<Target> targets;

    /** The contenders in printing order, pidspawn first. */
    Comparison(String name, String description, Figure figure, Rate rate, List<Contender> contenders, List<Target> targets) {
        if (contenders.getFirst() != Contender.PIDSPAWN) {
            throw new IllegalArgumentException("pidspawn comes first");
        }
        this.name = name;
        this.description = description;
        this.figure = figure;
        this.rate = rate;
        this.contenders = contenders;
        this.targets = targets;
    }

    Result run(Bench bench, int rounds, Object[] warmUp, Object... request) throws Exception {
        bench.progress(name + ": warm-up, then " + rounds + " rounds of " + contenders.size() + " contenders");
        bench.warmUp(contenders, warmUp);
        Map<Contender, Samples> samples = Samples.of(contenders);
        bench.interleave(samples, rounds, request);
        Map<String, Stats> stats = new LinkedHashMap<>();
        samples.forEach((c, s) -> stats.put(c.label(), s.stats(rate == Rate.MEGABYTES)));
        Stats ours = stats.get(Contender.PIDSPAWN.label());
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (Contender c : contenders.subList(1, contenders.size())) {
            Stats theirs = stats.get(c.label());
            ratios.put(ratioName(c), figure == Figure.MEDIAN ? ours.medianUs() / theirs.medianUs() : ours.perS() / theirs.perS());
        }
        List<Check> checks = new ArrayList<>();
        for (Target t : targets) {
            String what = ratioName(t.baseline()) + (figure == Figure.MEDIAN ? " median" : " " + rate.unit);
            double v = ratios.get(ratioName(t.baseline()));
            checks.add(t.atMost() ? Check.atMost(what, v, t.limit()) : Check.atLeast(what, v, t.limit()));
        }
        return new Result(name, description, rate.unit, figure == Figure.MEDIAN ? "median_us" : "per_s", stats, ratios,
                checks, List.of());
    }

    private static String ratioName(Contender baseline) {
        return Contender.PIDSPAWN.label() + "/" + baseline.label();
    }
}
