package io.pidspawn.bench;

import java.util.List;

/** One workload of {@code pidspawn bench}; it may report more than one result (spawn-true has two). */
public interface Workload {
    String name();

    List<Result> run(Bench bench) throws Exception;

    /** Every workload, in the order a full run takes them. */
    static List<Workload> all() {
        return List.of(new SpawnTrue(), new Throughput(), new Loaded(), new Supervise(), new AgentMix(), new CaptureWorkload(),
                new Cold(), new SandboxWorkload(), new CliStartup());
    }
}
