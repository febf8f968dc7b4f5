package io.pidspawn.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code pidspawn bench} run: its work directory, the C binaries, the workers (one per
 * contender, started on first use and kept for the next workloads), and the interleaving every
 * workload measures with.
 */
public final class Bench implements AutoCloseable {
    /** The population of loaded and supervise in a full run. */
    static final int CHILDREN = 10_000;

    private final Path workDir;
    private final boolean quick;
    private final Binaries binaries;
    private final PrintStream progress;
    private final Map<Contender, Worker> workers = new EnumMap<>(Contender.class);

    private Bench(Path workDir, boolean quick, Binaries binaries, PrintStream progress) {
        this.workDir = workDir;
        this.quick = quick;
        this.binaries = binaries;
        this.progress = progress;
    }

    /** Builds the C binaries (if needed) into workDir; progress lines go to progress. */
    public static Bench open(Path workDir, boolean quick, PrintStream progress) throws Exception {
        FdLimit.ensure(CHILDREN + 1024); // before any worker starts: they inherit it
        Path dir = workDir.toAbsolutePath(); // the driver and the files it is given are passed on as paths
        return new Bench(dir, quick, Binaries.build(dir), progress);
    }

    Path workDir() {
        return workDir;
    }

    boolean quick() {
        return quick;
    }

    /** How many children loaded and supervise keep alive: {@value #CHILDREN}, or 1,000 with --quick. */
    int children() {
        return quick ? 1_000 : CHILDREN;
    }

    Binaries binaries() {
        return binaries;
    }

    void progress(String line) {
        progress.println("bench: " + line);
        progress.flush();
    }

    /** The contender's worker, started now if it has none; later workloads use it too. */
    Worker worker(Contender c) throws Exception {
        Worker w = workers.get(c);
        if (w == null) {
            w = newWorker(c, List.of());
            workers.put(c, w);
        }
        return w;
    }

    /** A worker of the caller's own, which has done nothing yet; a Java one gets these extra JVM options. */
    Worker newWorker(Contender c, List<String> jvmOptions) throws Exception {
        return Worker.start(c, c.command(binaries.driver(), jvmOptions), workDir);
    }

    /**
     * Until the returned scope is closed, the Java contenders among {@code contenders} answer
     * from workers of their own started with {@code jvmOptions}; then those stop and the shared
     * ones are back.
     */
    AutoCloseable dedicatedWorkers(List<Contender> contenders, List<String> jvmOptions) throws Exception {
        Map<Contender, Worker> shared = new EnumMap<>(Contender.class);
        for (Contender c : contenders) {
            if (c.isJava()) {
                Worker previous = workers.put(c, newWorker(c, jvmOptions));
                if (previous != null) {
                    shared.put(c, previous);
                }
            }
        }
        return () -> {
            for (Contender c : contenders) {
                if (c.isJava()) {
                    workers.remove(c).close();
                    Worker previous = shared.get(c);
                    if (previous != null) {
                        workers.put(c, previous);
                    }
                }
            }
        };
    }

    /** The JIT's steady state: calls per warm-up batch, and the compile time of a batch that counts as idle. */
    private static final int JIT_BATCH = 2_000;
    private static final long JIT_IDLE_MS = 5;

    /**
     * Warms each Java contender up to the JIT's steady state with serial calls of argv: at least
     * {@code min} calls, then batches of {@value #JIT_BATCH} until two in a row pass with the
     * compilers (almost) idle ({@value #JIT_IDLE_MS} ms or less, the worker's {@code jit_ms}),
     * or {@code max} calls in all. A JVM takes a method called once per call to C2 at about
     * 15,000 calls, and then keeps recompiling the path for a few thousand more; measured in
     * between, the compiler threads' CPU counts as the contender's and they share the two cores
     * with the children. Returns the calls each contender took.
     */
    Map<Contender, Integer> warmUpJit(List<Contender> contenders, int min, int max, String... argv) throws Exception {
        Map<Contender, Integer> took = new EnumMap<>(Contender.class);
        for (Contender c : contenders) {
            Worker w = worker(c);
            int calls = min;
            w.request(serial(min, argv));
            for (int idle = 0; idle < 2 && calls < max; calls += JIT_BATCH) {
                Reply r = w.request(serial(JIT_BATCH, argv));
                idle = r.number("jit_ms") <= JIT_IDLE_MS ? idle + 1 : 0;
            }
            took.put(c, calls);
        }
        return took;
    }

    private static Object[] serial(int calls, String... argv) {
        Object[] request = new Object[argv.length + 2];
        request[0] = "serial";
        request[1] = calls;
        System.arraycopy(argv, 0, request, 2, argv.length);
        return request;
    }

    /** Sends each contender the same request once, to warm it up; the answers are dropped. */
    void warmUp(List<Contender> contenders, Object... request) throws Exception {
        for (Contender c : contenders) {
            worker(c).request(request);
        }
    }

    /**
     * Sends each contender of {@code pooled} the request once per round, round-robin, each round
     * starting one contender further on (so that none always follows the same one), and adds the
     * answers to its samples.
     */
    void interleave(Map<Contender, Samples> pooled, int rounds, Object... request) throws Exception {
        List<Contender> contenders = List.copyOf(pooled.keySet());
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < contenders.size(); k++) {
                Contender c = contenders.get((r + k) % contenders.size());
                pooled.get(c).add(worker(c).request(request));
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (Worker w : workers.values()) {
            w.close();
        }
        workers.clear();
    }
}
