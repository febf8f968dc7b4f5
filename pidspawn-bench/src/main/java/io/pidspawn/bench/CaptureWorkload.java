package io.pidspawn.bench;

import static io.pidspawn.bench.Contender.*;

import io.pidspawn.bench.Comparison.Figure;
import io.pidspawn.bench.Comparison.Rate;
import io.pidspawn.bench.Comparison.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * capture: 256 MiB (64 MiB with --quick) from a child's stdout into the parent's memory: pidspawn's output() (the
 * reaper reads the pipe), ProcessBuilder's getInputStream().readAllBytes(), NuProcess's
 * callbacks, and the C driver reading into one buffer it reuses (a floor, not a target).
 *
 * <p>Run twice, each time with Java workers of their own that have done nothing else: with the
 * JVM's default heap, as an application gets it (the target), and with a fixed, pre-touched heap
 * ({@link #PRE_TOUCHED}). With the default heap much of a capture's time is the kernel zeroing
 * pages the heap touches for the first time, which the second run takes out, leaving the path
 * from the pipe to the array.
 */
final class CaptureWorkload implements Workload {
    /** What one capture reads: 256 MiB, or 64 MiB with --quick. */
    static final long BYTES = 256L << 20, QUICK_BYTES = 64L << 20;
    private static final List<String> PRE_TOUCHED = List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");
    private static final List<Contender> CONTENDERS = List.of(PIDSPAWN, PB_DEFAULT, NUPROCESS, C_POSIX_SPAWN);

    @Override
    public String name() {
        return "capture";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 1 : 5;
        Path calls = bench.workDir().resolve("capture-calls.txt");
        long bytes = bench.quick() ? QUICK_BYTES : BYTES;
        Files.writeString(calls, Binaries.tool("head") + "\t-c\t" + bytes + "\t/dev/zero\n");
        Object[] request = {"mix", 1, 1, bench.workDir(), calls};
        String what = "head -c " + bytes + " /dev/zero captured into memory; " + rounds
                + " rounds per contender, interleaved; latency is per capture; Java workers of their own, ";
        Comparison defaults = new Comparison(name(), what + "default heap", Figure.RATE, Rate.MEGABYTES, CONTENDERS,
                List.of(new Target(PB_DEFAULT, false, 1.0)));
        Comparison preTouched = new Comparison(name() + "-pretouched", what + String.join(" ", PRE_TOUCHED), Figure.RATE,
                Rate.MEGABYTES, CONTENDERS, List.of());
        List<Result> results = new ArrayList<>();
        try (AutoCloseable scope = bench.dedicatedWorkers(CONTENDERS, List.of())) {
            results.add(defaults.run(bench, rounds, request, request));
        }
        try (AutoCloseable scope = bench.dedicatedWorkers(CONTENDERS, PRE_TOUCHED)) {
            results.add(preTouched.run(bench, rounds, request, request));
        }
        return results;
    }
}
