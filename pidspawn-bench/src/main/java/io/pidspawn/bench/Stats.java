package io.pidspawn.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One contender's figures in one workload: latency median and p99 in µs, a rate per second, how
 * many latencies they come from, and the worker's own CPU time per call in µs (every thread of
 * its process, over the measured calls; 0 where a workload does not measure it); {@code extra}
 * holds a workload's own figures.
 */
public record Stats(double medianUs, double p99Us, double perS, long samples, double parentCpuUs, Map<String, Object> extra) {

    Stats with(Map<String, Object> more) {
        Map<String, Object> all = new LinkedHashMap<>(extra);
        all.putAll(more);
        return new Stats(medianUs, p99Us, perS, samples, parentCpuUs, all);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_us", round(medianUs, 1));
        m.put("p99_us", round(p99Us, 1));
        m.put("per_s", round(perS, 1));
        m.put("samples", samples);
        if (parentCpuUs > 0) {
            m.put("parent_cpu_us", round(parentCpuUs, 1));
        }
        m.putAll(extra);
        return m;
    }

    static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }
}
