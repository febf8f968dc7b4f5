package io.pidspawn.bench;

import static io.pidspawn.bench.Contender.*;

import io.pidspawn.bench.Comparison.Figure;
import io.pidspawn.bench.Comparison.Rate;
import io.pidspawn.bench.Comparison.Target;
import java.nio.file.Path;
import java.util.List;

/**
 * agent-mix: what a coding agent runs (git status and diff, grep -r, sed, awk, cat, head, find, ls,
 * stat, python3 -c, node -e, sh -c, bash -c) over a generated repository, 16 calls in flight,
 * output captured. pidspawn uses one Command template per executable.
 */
final class AgentMix implements Workload {
    private static final long SEED = 20_251_128;
    private static final int IN_FLIGHT = 16;

    @Override
    public String name() {
        return "agent-mix";
    }

    @Override
    public List<Result> run(Bench bench) throws Exception {
        int rounds = bench.quick() ? 2 : 4;
        int calls = bench.quick() ? 100 : 500;
        bench.progress(name() + ": generating the repository");
        AgentRepo repo = AgentRepo.create(bench.workDir().resolve("agent-repo"), SEED);
        Path file = repo.writeCalls(bench.workDir().resolve("agent-calls.txt"), calls);
        Comparison c = new Comparison(name(), "the same " + calls + " seeded calls (14 tools) with " + IN_FLIGHT
                + " in flight, stdout and stderr captured; " + rounds + " rounds per contender (" + rounds * calls
                + " calls each), interleaved; latency is per call", Figure.RATE, Rate.CALLS,
                List.of(PIDSPAWN, PB_DEFAULT, C_POSIX_SPAWN, NUPROCESS),
                List.of(new Target(PB_DEFAULT, false, 1.10), new Target(C_POSIX_SPAWN, false, 0.97)));
        // Warmed up as long as it is measured: the capture path, too, is compiled over thousands of calls.
        int warmUp = bench.quick() ? 50 : rounds * calls;
        return List.of(c.run(bench, rounds, new Object[] {"mix", IN_FLIGHT, warmUp, repo.dir(), file},
                "mix", IN_FLIGHT, calls, repo.dir(), file));
    }
}
