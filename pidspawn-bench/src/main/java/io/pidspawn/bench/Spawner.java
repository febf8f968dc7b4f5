package io.pidspawn.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * How one contender starts processes, inside its {@link BenchWorker}: pidspawn, its UAPI,
 * ProcessBuilder or NuProcess, each used the way its documentation shows.
 */
interface Spawner {
    /** Spawns argv with this process's stdio and waits for it; throws unless it exits 0. */
    void run(List<String> argv) throws Exception;

    /**
     * Runs argv (an absolute path first) in dir with stdin at end of file, reads its stdout and
     * stderr into memory until both end, and waits for it; returns the bytes read. Throws if
     * the program could not be run (exit 126 or 127, or a signal); other exit codes are answers.
     */
    long capture(List<String> argv, Path dir) throws Exception;

    /** Keeps {@code children} supervised {@code sleep} children alive: spawns or kills to get there. */
    default void load(int children) throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no load");
    }

    /** The supervise workload: see {@link SuperviseRun}. */
    default String supervise(SuperviseRun.Spec spec) throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no supervise");
    }

    /** The spawner of a contender, by the contender's name. */
    static Spawner of(String contender) {
        return switch (contender) {
            case "pidspawn" -> new PidspawnSpawner();
            case "pidspawn-uapi" -> new UapiSpawner();
            case "pb-default", "pb-vfork" -> new ProcessBuilderSpawner();
            case "nuprocess" -> new NuProcessSpawner();
            default -> throw new IllegalArgumentException("no Java spawner for contender " + contender);
        };
    }

    /** Throws unless a captured call ran: 126 and 127 mean it never did, a signal that it died. */
    static void checkRan(List<String> argv, int shellCode) {
        if (shellCode == 126 || shellCode == 127 || shellCode > 128) {
            throw new IllegalStateException(argv + " failed: status " + shellCode);
        }
    }

    static void checkSuccess(List<String> argv, int shellCode) {
        if (shellCode != 0) {
            throw new IllegalStateException(argv + " failed: status " + shellCode);
        }
    }
}
