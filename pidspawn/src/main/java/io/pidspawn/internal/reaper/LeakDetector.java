package io.pidspawn.internal.reaper;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Releases what an unreachable {@code Child} still holds, and, when the system property
 * {@code pidspawn.leakDetector} is {@code true}, reports a child that became unreachable before
 * anyone learned how it ended: a WARNING on the {@code io.pidspawn} System.Logger with the stack
 * trace of the spawn, and a {@link Report} to every {@link #addListener listener}.
 *
 * <p>A child counts as waited for once waitFor() or output() returned its status, exitStatus()
 * returned one, or onExit() was called. Closing a child does not count: it still ran unobserved.
 *
 * <p>No thread of its own: the reaper looks for unreachable children once a second while any
 * tracked child is still reachable ({@link Reaper.Chore}).
 */
public final class LeakDetector {
    /** Whether spawns record their stack traces and unwaited children are reported. */
    public static final boolean ENABLED = Boolean.getBoolean("pidspawn.leakDetector");

    /** An unwaited child that became unreachable, with where it was spawned. */
    public record Report(int pid, String program, Throwable spawnedAt) {
        public String message() {
            return "pidspawn: child " + pid + " (" + program + ") became unreachable without being waited for;"
                    + " it was spawned at the stack trace below. Wait for every child (waitFor, output or onExit).";
        }
    }

    private static final List<Consumer<Report>> LISTENERS = new CopyOnWriteArrayList<>();

    private static final class Holder {
        static final Unreachables CHILDREN = new Unreachables(Reaper.get());
    }

    private LeakDetector() {}

    /** Tests and tools: called with each report, on the reaper thread; keep it short. */
    public static void addListener(Consumer<Report> listener) {
        LISTENERS.add(listener);
    }

    public static void removeListener(Consumer<Report> listener) {
        LISTENERS.remove(listener);
    }

    /** Where a spawn happens, when the detector is on; else null (capturing a stack costs microseconds). */
    public static Throwable spawnSite() {
        return ENABLED ? new Throwable("spawned here") : null;
    }

    /**
     * Arranges for {@code resources} to be released once {@code child} is unreachable; the
     * resources must not refer to the child, or it never becomes unreachable.
     */
    public static void track(Object child, ChildResources resources) {
        resources.tracked(Holder.CHILDREN.track(child, resources::cleanUp));
    }

    static void report(Report r) {
        Log.warning(r.message(), r.spawnedAt());
        for (Consumer<Report> l : LISTENERS) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                Log.error("a leak listener threw", e);
            }
        }
    }
}
