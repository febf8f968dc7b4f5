package io.pidspawn.jmh;

import static io.pidspawn.uapi.PidfdSpawn.*;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole spawn and wait of {@code executable}, four ways: the template (a builder configured
 * once, its plan compiled once), the first run after a config change (the plan is compiled
 * again), a fresh builder each time (open, config, run, close), and the Java API
 * ({@code Command.spawn().waitFor()}, supervised by the reaper). With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the Java heap each spawn allocates.
 *
 * <p>The child dominates every figure (hundreds of µs); the differences between the four are the
 * in-process costs. {@code -p executable=target/bench/true_static} (built by
 * {@code pidspawn bench}) takes the dynamic loader out of them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SpawnBenchmark {
    @Param("/bin/true")
    public String executable;

    private byte[] argv;
    private int template;
    private int reconfigured;
    private Command command;
    private long runs;

    @Setup(Level.Trial)
    public void open() throws ErrnoException {
        argv = (executable + "\0").getBytes(StandardCharsets.UTF_8);
        template = configured();
        reconfigured = configured();
        command = Command.builder(executable).build();
    }

    @TearDown(Level.Trial)
    public void close() throws ErrnoException {
        command.close();
        PidfdSpawn.close(reconfigured);
        PidfdSpawn.close(template);
    }

    /** run + wait on a builder configured once: the plan is compiled on the first run only. */
    @Benchmark
    public ExitStatus templateRun() throws ErrnoException {
        return runAndWait(template);
    }

    /** A config call (an environment variable flips between two values), then run + wait: the plan is compiled again. */
    @Benchmark
    public ExitStatus firstRunAfterConfig() throws ErrnoException {
        pidfd_config(reconfigured, PIDFD_CONFIG_SET_STRING, KEY_ENV, (runs++ & 1) == 0 ? "BENCH=0" : "BENCH=1", 0);
        return runAndWait(reconfigured);
    }

    /** open + config (executable, argv) + run + wait + close: no template. */
    @Benchmark
    public ExitStatus freshBuilder() throws ErrnoException {
        int b = configured();
        try {
            return runAndWait(b);
        } finally {
            PidfdSpawn.close(b);
        }
    }

    /** The Java API: a Command template, spawn(), waitFor() (on the pidfd itself, the reaper standing by). */
    @Benchmark
    public ExitStatus commandSpawn() throws Exception {
        try (Child c = command.spawn()) {
            return c.waitFor();
        }
    }

    private int configured() throws ErrnoException {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, executable, 0);
        pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, argv, 0);
        return b;
    }

    private static ExitStatus runAndWait(int builder) throws ErrnoException {
        Spawned child = pidfd_spawn_run(builder, RunArgs.none());
        try {
            return pidfd_wait(child.pidfd(), 0);
        } finally {
            PidfdSpawn.close(child.pidfd());
        }
    }
}
