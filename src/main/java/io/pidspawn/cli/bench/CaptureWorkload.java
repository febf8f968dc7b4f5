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
 */
final class CaptureWorkload implements Workload {
    static final long BYTES = 256L << 20;

    @Override
    public String name() {
        return "capture";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 2 : 5;
        Path calls = bench.workDir().resolve("capture-calls.txt");
        Files.writeString(calls, Binaries.tool("head") + "\t-c\t" + BYTES + "\t/dev/zero\n");
        Comparison c = new Comparison(name(), "head -c " + BYTES + " /dev/zero captured into memory; " + rounds
                + " rounds per contender, interleaved; latency is per capture", Figure.RATE, Rate.MEGABYTES,
                List.of(PIDSPAWN, PB_DEFAULT, NUPROCESS, C_POSIX_SPAWN), List.of(new Target(PB_DEFAULT, false, 1.0)));
        Object[] request = {"mix", 1, 1, bench.workDir(), calls};
        return List.of(c.run(bench, rounds, request, request));
    }
}
