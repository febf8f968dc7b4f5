package io.pidspawn.internal.spawn;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one long-lived thread that spawns children asking for a parent-death signal.
 * PR_SET_PDEATHSIG fires when the thread that created the child exits, not the process: a child
 * spawned from a short-lived Java thread would be killed when that thread ends. This thread
 * lives as long as the JVM.
 */
final class Spawner {
    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pidspawn-spawner");
        t.setDaemon(true);
        return t;
    });

    private Spawner() {}

    static <T> T call(Callable<T> task) throws Exception {
        Future<T> f = THREAD.submit(task);
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
