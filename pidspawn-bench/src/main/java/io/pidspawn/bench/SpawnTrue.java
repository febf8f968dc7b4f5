package io.pidspawn.bench;

import static io.pidspawn.bench.Contender.*;

import io.pidspawn.bench.Comparison.Figure;
import io.pidspawn.bench.Comparison.Rate;
import io.pidspawn.bench.Comparison.Target;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * spawn-true: spawn and wait for a program that does nothing, one at a time: /bin/true
 * (dynamically linked, so ld.so and libc start-up are in every figure) and a static program.
 */
final class SpawnTrue implements Workload {
    private static final List<Contender> CONTENDERS = List.of(PIDSPAWN, PIDSPAWN_UAPI, C_POSIX_SPAWN, C_VFORK, PB_DEFAULT,
            PB_VFORK, NUPROCESS);
    /** The Java contenders the JIT must reach steady state in first (NuProcess's time is its 250 ms polls). */
    private static final List<Contender> JIT_WARM_UP = List.of(PIDSPAWN, PIDSPAWN_UAPI, PB_DEFAULT, PB_VFORK);
    private static final int JIT_WARM_UP_MIN = 15_000, JIT_WARM_UP_MAX = 45_000;
    private static final List<Target> TARGETS = List.of(new Target(C_POSIX_SPAWN, true, 1.00), new Target(PB_DEFAULT, true, 0.45));

    @Override
    public String name() {
        return "spawn-true";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 3 : 5;
        int batch = bench.quick() ? 20 : 200;
        int warmUp = bench.quick() ? 20 : 300;
        String what = rounds + " rounds x " + batch + " per contender, interleaved";
        if (!bench.quick()) {
            bench.progress(name() + ": warming up the JIT of the Java workers (" + JIT_WARM_UP_MIN + " to "
                    + JIT_WARM_UP_MAX + " spawns, until the compilers are idle)");
            Map<Contender, Integer> took = bench.warmUpJit(JIT_WARM_UP, JIT_WARM_UP_MIN, JIT_WARM_UP_MAX, "/bin/true");
            what += ", after each Java worker but nuprocess's warmed up to the JIT's steady state ("
                    + took.entrySet().stream().map(e -> e.getKey().label() + " " + e.getValue()).collect(Collectors.joining(", "))
                    + " spawns)";
        }
        return List.of(
                comparison("spawn-true", "spawn and wait for /bin/true, one at a time; " + what)
                        .run(bench, rounds, new Object[] {"serial", warmUp, "/bin/true"}, "serial", batch, "/bin/true"),
                comparison("spawn-true-static", "spawn and wait for a static program that returns 0 (gcc -static); " + what)
                        .run(bench, rounds, new Object[] {"serial", warmUp, bench.binaries().trueStatic()},
                                "serial", batch, bench.binaries().trueStatic()));
    }

    private static Comparison comparison(String name, String description) {
        return new Comparison(name, description, Figure.MEDIAN, Rate.SPAWNS, CONTENDERS, TARGETS);
    }
}
