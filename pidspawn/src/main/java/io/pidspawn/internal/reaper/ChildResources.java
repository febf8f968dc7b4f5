package io.pidspawn.internal.reaper;

import java.util.List;

/**
 * What a {@code Child} owns: its exit watch (and through it the pidfd) and the parent's pipe
 * ends. Released by {@code Child.close()}, or by the reaper once the Child is unreachable; this
 * object never refers to the Child itself.
 */
public final class ChildResources {
    private final ExitWatch watch;
    private final List<PipeEnd> pipes;
    private final String program;
    private final Throwable spawnSite;
    private final boolean killTreeOnClose;
    /** The Child's registration with the leak detector's unreachables; set once, as the Child is made. */
    private volatile Unreachables.Tracked tracked;

    public ChildResources(ExitWatch watch, List<PipeEnd> pipes, String program, Throwable spawnSite, boolean killTreeOnClose) {
        this.watch = watch;
        this.pipes = List.copyOf(pipes);
        this.program = program;
        this.spawnSite = spawnSite;
        this.killTreeOnClose = killTreeOnClose;
    }

    /**
     * Closes the pipe ends and releases the pidfd; the child itself is left alone (and still
     * reaped), unless its command asked for its tree to be killed on close.
     */
    public void release() {
        if (killTreeOnClose) {
            watch.killTreeQuietly();
        }
        for (PipeEnd p : pipes) {
            p.close();
        }
        watch.releaseOwner();
    }

    void tracked(Unreachables.Tracked t) {
        tracked = t;
    }

    /**
     * {@code Child.close()}: releases now, and stops watching for the Child to become
     * unreachable, since there is nothing left to release then, unless the leak detector must
     * still report a child that nobody waited for.
     */
    public void close() {
        release();
        Unreachables.Tracked t = tracked;
        if (t != null && (!LeakDetector.ENABLED || watch.observed())) {
            t.cancel();
        }
    }

    /** Whether the Child is still watched for becoming unreachable (tests). */
    public boolean isTracked() {
        Unreachables.Tracked t = tracked;
        return t != null && t.isTracked();
    }

    /** Run on the reaper thread once the Child is unreachable. */
    void cleanUp() {
        release();
        if (LeakDetector.ENABLED && !watch.observed()) {
            LeakDetector.report(new LeakDetector.Report(watch.pid(), program, spawnSite));
        }
    }
}
