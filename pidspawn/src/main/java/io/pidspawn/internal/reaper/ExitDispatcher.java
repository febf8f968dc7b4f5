package io.pidspawn.internal.reaper;

import io.pidspawn.ExitStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Completes the futures users attach callbacks to, on one daemon thread ({@value #THREAD_NAME},
 * started the first time a child's {@code onExit()} is asked for while it runs, or an
 * {@code outputAsync()} completes). Callbacks that block delay later callbacks, never reaping or
 * I/O; one thread keeps them in order of exit.
 */
public final class ExitDispatcher {
    static final String THREAD_NAME = "pidspawn-exit";

    private ExitDispatcher() {}

    private static final class Holder {
        static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name(THREAD_NAME).inheritInheritableThreadLocals(false).factory());
    }

    /** The dispatcher thread, for library futures whose users attach callbacks (as {@code Child.outputAsync}). */
    public static Executor executor() {
        return Holder.EXECUTOR;
    }

    /** Completes {@code to} as {@code from} (already complete) on the dispatcher thread. */
    static void publish(CompletableFuture<ExitStatus> from, CompletableFuture<ExitStatus> to) {
        Holder.EXECUTOR.execute(() -> from.whenComplete((status, failure) -> {
            if (failure != null) {
                to.completeExceptionally(failure);
            } else {
                to.complete(status);
            }
        }));
    }
}
