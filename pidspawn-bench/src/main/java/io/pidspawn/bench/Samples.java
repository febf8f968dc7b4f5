package io.pidspawn.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One contender's replies pooled over the rounds of a workload. */
final class Samples {
    private long[] latencies = new long[1024];
    private int n;
    private long count;
    private long elapsedNanos;
    private long cpuNanos;
    private long bytes;

    /** Empty samples for each contender, in order. */
    static Map<Contender, Samples> of(List<Contender> contenders) {
        Map<Contender, Samples> m = new LinkedHashMap<>();
        contenders.forEach(c -> m.put(c, new Samples()));
        return m;
    }

    void add(Reply r) {
        long[] more = r.latencies();
        if (n + more.length > latencies.length) {
            latencies = Arrays.copyOf(latencies, Math.max(2 * latencies.length, n + more.length));
        }
        System.arraycopy(more, 0, latencies, n, more.length);
        n += more.length;
        count += r.number("count");
        elapsedNanos += r.number("elapsed");
        cpuNanos += r.number("cpu");
        bytes += r.number("bytes");
    }

    /**
     * Median and p99 (nearest rank) of the latencies in µs, and the rate: calls per second of
     * elapsed time, or, {@code perMegabyte}, MB (10^6 bytes) read per second; and the worker's
     * CPU time per call in µs ({@code parent_cpu_us}).
     */
    Stats stats(boolean perMegabyte) {
        if (n == 0 || elapsedNanos <= 0) {
            throw new IllegalStateException("no samples");
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        double rate = (perMegabyte ? bytes / 1e6 : count) / (elapsedNanos / 1e9);
        double cpuUs = count == 0 ? 0 : cpuNanos / 1e3 / count;
        return new Stats(percentile(sorted, 50) / 1e3, percentile(sorted, 99) / 1e3, rate, sorted.length, cpuUs, Map.of());
    }

    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
