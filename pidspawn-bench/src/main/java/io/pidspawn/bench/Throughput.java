package io.pidspawn.bench;

import static io.pidspawn.bench.Contender.*;

import io.pidspawn.bench.Comparison.Figure;
import io.pidspawn.bench.Comparison.Rate;
import io.pidspawn.bench.Comparison.Target;
import java.util.List;

/** throughput: two threads spawn and wait for /bin/true as fast as they can, for a fixed time. */
final class Throughput implements Workload {
    private static final int THREADS = 2;

    @Override
    public String name() {
        return "throughput";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 2 : 3;
        int millis = bench.quick() ? 400 : 3000;
        Comparison c = new Comparison(name(), THREADS + " threads spawning and waiting for /bin/true for " + millis + " ms; "
                + rounds + " rounds per contender, interleaved; latency is per spawn under that load",
                Figure.RATE, Rate.SPAWNS, List.of(PIDSPAWN, PIDSPAWN_UAPI, C_POSIX_SPAWN, C_VFORK, PB_DEFAULT, PB_VFORK, NUPROCESS),
                List.of(new Target(C_POSIX_SPAWN, false, 0.95)));
        return List.of(c.run(bench, rounds, new Object[] {"serial", bench.quick() ? 50 : 300, "/bin/true"},
                "timed", THREADS, millis, "/bin/true"));
    }
}
