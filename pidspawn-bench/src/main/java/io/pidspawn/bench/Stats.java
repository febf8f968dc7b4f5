package io.pidspawn.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One contender's figures in one workload: latency median and p99 in µs, a rate per second, and
 * how many latencies they come from; {@code extra} holds a workload's own figures.
 */
public record Stats(double medianUs, double p99Us, double perS, long samples, Map<String, Object> extra) {
    Stats(double medianUs, double p99Us, double perS, long samples) {
        this(medianUs, p99Us, perS, samples, Map.of());
    }

    Stats with(Map<String, Object> more) {
        Map<String, Object> all = new LinkedHashMap<>(extra);
        all.putAll(more);
        return new Stats(medianUs, p99Us, perS, samples, all);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_us", round(medianUs, 1));
        m.put("p99_us", round(p99Us, 1));
        m.put("per_s", round(perS, 1));
        m.put("samples", samples);
        m.putAll(extra);
        return m;
    }

    static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }
}
