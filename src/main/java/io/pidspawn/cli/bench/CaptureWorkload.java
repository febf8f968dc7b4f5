package io.pidspawn.cli.bench;

import static io.pidspawn.cli.bench.Contender.*;

import io.pidspawn.cli.bench.Comparison.Figure;
import io.pidspawn.cli.bench.Comparison.Rate;
import io.pidspawn.cli.bench.Comparison.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * capture: 256 MiB from a child's stdout into the parent's memory: pidspawn's output() (the
 * reaper reads the pipe), ProcessBuilder's getInputStream().readAllBytes(), NuProcess's
 * callbacks, and the C driver reading into one buffer it reuses (a floor, not a target).
 *
 * <p>The Java workers get a fixed, pre-touched heap of their own ({@link #JVM_OPTIONS}): with the
 * JVM's default heap, most of a capture's time is the kernel zeroing pages the heap touches for
 * the first time (clear_page, a third of all samples in a profile), which varies from run to run
 * and measures the heap, not the path from the pipe to the array.
 */
final class CaptureWorkload implements Workload {
    static final long BYTES = 256L << 20;
    private static final List<String> JVM_OPTIONS = List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");

    @Override
    public String name() {
        return "capture";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 2 : 5;
        Path calls = bench.workDir().resolve("capture-calls.txt");
        Files.writeString(calls, Binaries.tool("head") + "\t-c\t" + BYTES + "\t/dev/zero\n");
        List<Contender> contenders = List.of(PIDSPAWN, PB_DEFAULT, NUPROCESS, C_POSIX_SPAWN);
        Comparison c = new Comparison(name(), "head -c " + BYTES + " /dev/zero captured into memory; " + rounds
                + " rounds per contender, interleaved; latency is per capture; Java workers " + String.join(" ", JVM_OPTIONS),
                Figure.RATE, Rate.MEGABYTES, contenders, List.of(new Target(PB_DEFAULT, false, 1.0)));
        Object[] request = {"mix", 1, 1, bench.workDir(), calls};
        try (AutoCloseable scope = bench.dedicatedWorkers(contenders, JVM_OPTIONS)) {
            return List.of(c.run(bench, rounds, request, request));
        }
    }
}
