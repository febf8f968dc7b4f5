package io.pidspawn.jmh;

import static io.pidspawn.uapi.PidfdSpawn.*;

import io.pidspawn.ErrnoException;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one pidfd_config call costs on an open builder: each is validated at once, so a call
 * that names a file (executable, search) does its open and statx here, not at run time. Each
 * call also drops the compiled plan; {@link SpawnBenchmark#firstRunAfterConfig} measures the
 * recompilation that follows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ConfigBenchmark {
    private static final byte[] ARGV = "git\0status\0--short\0".getBytes(StandardCharsets.UTF_8);

    private int builder;
    private int fd;

    @Setup(Level.Trial)
    public void open() throws ErrnoException {
        builder = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        pidfd_config(builder, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, "/bin/true", 0);
        fd = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC); // any open fd will do as a source
    }

    @TearDown(Level.Trial)
    public void close() throws ErrnoException {
        PidfdSpawn.close(fd);
        PidfdSpawn.close(builder);
    }

    /** SET_STRING env: one NAME=value, replacing the last one. */
    @Benchmark
    public void env() throws ErrnoException {
        pidfd_config(builder, PIDFD_CONFIG_SET_STRING, KEY_ENV, "BENCH_VALUE=1", 0);
    }

    /** SET_BINARY argv: the whole vector. */
    @Benchmark
    public void argv() throws ErrnoException {
        pidfd_config(builder, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, ARGV, 0);
    }

    /** SET_STRING cwd: an absolute path, checked now, entered in the child. */
    @Benchmark
    public void cwd() throws ErrnoException {
        pidfd_config(builder, PIDFD_CONFIG_SET_STRING, KEY_CWD, "/tmp", 0);
    }

    /** SET_FD fd.3: the builder takes its own reference to the fd. */
    @Benchmark
    public void fdMapping() throws ErrnoException {
        pidfd_config(builder, PIDFD_CONFIG_SET_FD, KEY_FD_PREFIX + 3, (String) null, fd);
    }

    /** SET_STRING executable: open O_PATH, statx, pin (the previous pin is released). */
    @Benchmark
    public void executable() throws ErrnoException {
        pidfd_config(builder, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, "/bin/true", 0);
    }

    /** SET_STRING search: the PATH search, then the pin. */
    @Benchmark
    public void search() throws ErrnoException {
        pidfd_config(builder, PIDFD_CONFIG_SET_STRING, KEY_SEARCH, "true", 0);
    }
}
